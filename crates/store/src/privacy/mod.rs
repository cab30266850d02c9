//! Privacy's storage: the consent ledger and page views (`ConsentStore`), acknowledgements,
//! legal holds and retention runs (`AckStore`, `RetentionStore`), and the rights
//! (`RightsStore`: exports, requests, the disclosure log, held records, receipts, the purge
//! and physical clean-up of erasure).

pub mod consent;
pub mod retention;
pub mod rights;
