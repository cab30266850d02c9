//! The business modules' storage: the support desk (`SupportStore`: tickets and their
//! threads). Each module's port is implemented on the region store, like every room's.

pub mod support;
