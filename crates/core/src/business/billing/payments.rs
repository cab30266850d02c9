//! The `transfer` payment provider: no card is taken (subscribers pay by bank transfer or SEPA
//! direct debit, and staff mark invoices paid). Card providers are adapters outside core.

use async_trait::async_trait;

use crate::platform::ports::{CardReference, PaymentError, PaymentProvider};

#[derive(Debug, Clone, Copy, Default)]
pub struct Transfer;

#[async_trait]
impl PaymentProvider for Transfer {
    fn id(&self) -> &'static str {
        "transfer"
    }

    async fn card(&self, _token: &str) -> Result<CardReference, PaymentError> {
        Err(PaymentError::NoCards)
    }
}
