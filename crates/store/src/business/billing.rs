//! Contracts (the [`BillingStore`] port): one per organisation, with the billing contact's
//! subject row created in the same transaction as the contract.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{OrgId, SubjectId};
use clearboard_core::platform::ports::{
    AuditDraft, BillingStore, ContractRow, InvoiceRow, InvoiceStore, PaymentRow, ShowNumber, StoreError, StoreResult,
};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct ContractRec {
    id: String,
    org_id: String,
    owner_id: String,
    contact_id: String,
    plan: String,
    seats: i64,
    status: String,
    payment_method: String,
    contact: Vec<u8>,
    payment: Option<Vec<u8>>,
    period_start: i64,
    period_end: i64,
    ended_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    contact_bidx: Option<Vec<u8>>,
}

impl From<ContractRec> for ContractRow {
    fn from(r: ContractRec) -> Self {
        ContractRow {
            id: r.id,
            org_id: OrgId::from_stored(r.org_id),
            owner_id: SubjectId::from_stored(r.owner_id),
            contact_id: SubjectId::from_stored(r.contact_id),
            plan: r.plan,
            seats: r.seats,
            status: r.status,
            payment_method: r.payment_method,
            contact: r.contact,
            payment: r.payment,
            period_start: r.period_start,
            period_end: r.period_end,
            ended_at: r.ended_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            contact_bidx: r.contact_bidx,
        }
    }
}

macro_rules! contract_cols {
    () => {
        "id, org_id, owner_id, contact_id, plan, seats, status, payment_method, contact, payment, period_start, period_end, ended_at, created_at, updated_at, version, contact_bidx"
    };
}

#[async_trait]
impl BillingStore for SqlRegionStore {
    async fn create_contract(&self, r: &ContractRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'contact', $2)").bind(r.contact_id.as_str()).bind(r.created_at).execute(&mut *t).await?;
            sqlx::query(concat!("INSERT INTO contracts (", contract_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"))
                .bind(&r.id).bind(r.org_id.as_str()).bind(r.owner_id.as_str()).bind(r.contact_id.as_str()).bind(&r.plan).bind(r.seats)
                .bind(&r.status).bind(&r.payment_method).bind(&r.contact).bind(&r.payment).bind(r.period_start).bind(r.period_end)
                .bind(r.ended_at).bind(r.created_at).bind(r.updated_at).bind(r.version).bind(&r.contact_bidx)
                .execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn update_contract(&self, r: &ContractRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        let updated = tx!(self.db(), t => {
            let n = sqlx::query(
                "UPDATE contracts SET plan = $1, seats = $2, status = $3, payment_method = $4, contact = $5, payment = $6, period_start = $7, \
                 period_end = $8, ended_at = $9, updated_at = $10, version = $11, contact_bidx = $14 WHERE id = $12 AND version = $13",
            )
            .bind(&r.plan).bind(r.seats).bind(&r.status).bind(&r.payment_method).bind(&r.contact).bind(&r.payment).bind(r.period_start)
            .bind(r.period_end).bind(r.ended_at).bind(r.updated_at).bind(r.version).bind(&r.id).bind(r.version - 1).bind(&r.contact_bidx)
            .execute(&mut *t).await?
            .rows_affected();
            if n == 1 {
                append_audit!(t, pg, chain, ring, audit)?;
            }
            Ok(n == 1)
        })?;
        if updated { Ok(()) } else { Err(StoreError::Conflict) }
    }

    async fn contract_of_org(&self, org: &OrgId) -> StoreResult<Option<ContractRow>> {
        let r: Option<ContractRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contract_cols!(), " FROM contracts WHERE org_id = $1")).bind(org.as_str()).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn contract(&self, id: &str) -> StoreResult<Option<ContractRow>> {
        let r: Option<ContractRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contract_cols!(), " FROM contracts WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn contracts_of(&self, subject: &SubjectId) -> StoreResult<Vec<ContractRow>> {
        let r: Vec<ContractRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contract_cols!(), " FROM contracts WHERE owner_id = $1 OR contact_id = $1 ORDER BY created_at, id"))
                .bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn contracts_of_contact_email(&self, bidx: &[u8]) -> StoreResult<Vec<ContractRow>> {
        let r: Vec<ContractRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contract_cols!(), " FROM contracts WHERE contact_bidx = $1 ORDER BY created_at, id"))
                .bind(bidx).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn contracts(&self) -> StoreResult<Vec<ContractRow>> {
        let r: Vec<ContractRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contract_cols!(), " FROM contracts ORDER BY created_at, id")).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn contracts_ended_before(&self, before: Millis) -> StoreResult<Vec<ContractRow>> {
        let r: Vec<ContractRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contract_cols!(), " FROM contracts WHERE ended_at IS NOT NULL AND ended_at <= $1 ORDER BY ended_at, id"))
                .bind(before).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_contract(&self, id: &str, at: Millis, audit: AuditDraft) -> StoreResult<bool> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let contact: Option<(String,)> = sqlx::query_as("SELECT contact_id FROM contracts WHERE id = $1").bind(id).fetch_optional(&mut *t).await?;
            let Some((contact,)) = contact else { return Ok(false) };
            sqlx::query("DELETE FROM contracts WHERE id = $1").bind(id).execute(&mut *t).await?;
            sqlx::query("DELETE FROM contract_partners WHERE contract_id = $1").bind(id).execute(&mut *t).await?;
            sqlx::query("UPDATE subjects SET erased_at = $1 WHERE id = $2 AND erased_at IS NULL").bind(at).bind(&contact).execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(true)
        })
    }
}

#[derive(sqlx::FromRow)]
struct InvoiceRec {
    id: String,
    contract_id: String,
    org_id: String,
    seller: String,
    seq: Option<i64>,
    number: Option<String>,
    kind: String,
    corrects: String,
    adjusts: String,
    status: String,
    period_start: i64,
    period_end: i64,
    currency: String,
    lines: String,
    subtotal: i64,
    vat: i64,
    total: i64,
    buyer: Vec<u8>,
    hold_until: i64,
    issued_at: Option<i64>,
    created_at: i64,
}

impl From<InvoiceRec> for InvoiceRow {
    fn from(r: InvoiceRec) -> Self {
        InvoiceRow {
            id: r.id,
            contract_id: r.contract_id,
            org_id: OrgId::from_stored(r.org_id),
            seller: r.seller,
            seq: r.seq,
            number: r.number,
            kind: r.kind,
            corrects: r.corrects,
            adjusts: r.adjusts,
            status: r.status,
            period_start: r.period_start,
            period_end: r.period_end,
            currency: r.currency,
            lines: r.lines,
            subtotal: r.subtotal,
            vat: r.vat,
            total: r.total,
            buyer: r.buyer,
            hold_until: r.hold_until,
            issued_at: r.issued_at,
            created_at: r.created_at,
        }
    }
}

macro_rules! invoice_cols {
    () => {
        "id, contract_id, org_id, seller, seq, number, kind, corrects, adjusts, status, period_start, period_end, currency, lines, subtotal, vat, total, buyer, hold_until, issued_at, created_at"
    };
}

impl SqlRegionStore {
    async fn invoices_where(&self, sql: &'static str, arg: &str) -> StoreResult<Vec<InvoiceRow>> {
        let r: Vec<InvoiceRec> = conn!(self.db(), c => { sqlx::query_as(sql).bind(arg).fetch_all(c).await })?;
        Ok(r.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl InvoiceStore for SqlRegionStore {
    async fn create_draft(&self, r: &InvoiceRow) -> StoreResult<bool> {
        let out = conn!(self.db(), c => {
            sqlx::query(concat!("INSERT INTO invoices (", invoice_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"))
                .bind(&r.id).bind(&r.contract_id).bind(r.org_id.as_str()).bind(&r.seller).bind(r.seq).bind(&r.number).bind(&r.kind).bind(&r.corrects).bind(&r.adjusts)
                .bind(&r.status).bind(r.period_start).bind(r.period_end).bind(&r.currency).bind(&r.lines).bind(r.subtotal).bind(r.vat).bind(r.total)
                .bind(&r.buyer).bind(r.hold_until).bind(r.issued_at).bind(r.created_at)
                .execute(c).await.map(|_| ())
        });
        match out {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn issue(&self, id: &str, at: Millis, number: &ShowNumber, audit: AuditDraft) -> StoreResult<Option<i64>> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        let out = tx!(self.db(), t => {
            let seller: Option<(String,)> = sqlx::query_as("SELECT seller FROM invoices WHERE id = $1 AND status = 'draft'").bind(id).fetch_optional(&mut *t).await?;
            let Some((seller,)) = seller else { return Ok(None) };
            sqlx::query("INSERT INTO invoice_sequences (seller, next) VALUES ($1, 1) ON CONFLICT (seller) DO NOTHING").bind(&seller).execute(&mut *t).await?;
            let (seq,): (i64,) = sqlx::query_as("UPDATE invoice_sequences SET next = next + 1 WHERE seller = $1 RETURNING next - 1").bind(&seller).fetch_one(&mut *t).await?;
            // Issued meanwhile by another run: nothing is written, the number is not taken
            // (the transaction rolls back), so the sequence has no gap.
            let n = sqlx::query("UPDATE invoices SET seq = $1, number = $2, status = 'issued', issued_at = $3 WHERE id = $4 AND status = 'draft'")
                .bind(seq).bind(number(&seller, seq)).bind(at).bind(id).execute(&mut *t).await?.rows_affected();
            if n != 1 {
                return Err(sqlx::Error::RowNotFound);
            }
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(Some(seq))
        });
        match out {
            Err(StoreError::Gone) => Ok(None),
            other => other,
        }
    }

    async fn drafts(&self) -> StoreResult<Vec<InvoiceRow>> {
        self.invoices_where(
            concat!("SELECT ", invoice_cols!(), " FROM invoices WHERE status = 'draft' AND status <> $1 ORDER BY created_at, id"),
            "",
        )
        .await
    }

    async fn invoice(&self, id: &str) -> StoreResult<Option<InvoiceRow>> {
        Ok(self.invoices_where(concat!("SELECT ", invoice_cols!(), " FROM invoices WHERE id = $1"), id).await?.pop())
    }

    async fn invoices_of_org(&self, org: &OrgId) -> StoreResult<Vec<InvoiceRow>> {
        self.invoices_where(
            concat!("SELECT ", invoice_cols!(), " FROM invoices WHERE org_id = $1 ORDER BY seq, created_at, id"),
            org.as_str(),
        )
        .await
    }

    async fn issued(&self, seller: &str) -> StoreResult<Vec<InvoiceRow>> {
        self.invoices_where(
            concat!("SELECT ", invoice_cols!(), " FROM invoices WHERE seller = $1 AND status = 'issued' ORDER BY seq"),
            seller,
        )
        .await
    }

    async fn purge_invoices(&self, before: Millis) -> StoreResult<Vec<String>> {
        tx!(self.db(), t => {
            let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM invoices WHERE hold_until <= $1 ORDER BY id").bind(before).fetch_all(&mut *t).await?;
            sqlx::query("DELETE FROM invoice_payments WHERE invoice_id IN (SELECT id FROM invoices WHERE hold_until <= $1)").bind(before).execute(&mut *t).await?;
            sqlx::query("DELETE FROM invoices WHERE hold_until <= $1").bind(before).execute(&mut *t).await?;
            Ok(ids.into_iter().map(|(id,)| id).collect())
        })
    }

    async fn put_payment(&self, p: &PaymentRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(
                "INSERT INTO invoice_payments (invoice_id, provider, reference, status, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (invoice_id) DO UPDATE SET provider = excluded.provider, reference = excluded.reference, status = excluded.status, \
                 recorded_by = excluded.recorded_by, at = excluded.at",
            )
            .bind(&p.invoice_id).bind(&p.provider).bind(&p.reference).bind(&p.status).bind(&p.recorded_by).bind(p.at)
            .execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn payment_of(&self, invoice: &str) -> StoreResult<Option<PaymentRow>> {
        self.payment_where(
            "SELECT invoice_id, provider, reference, status, recorded_by, at FROM invoice_payments WHERE invoice_id = $1",
            invoice,
        )
        .await
    }

    async fn payment_by_reference(&self, reference: &str) -> StoreResult<Option<PaymentRow>> {
        self.payment_where(
            "SELECT invoice_id, provider, reference, status, recorded_by, at FROM invoice_payments WHERE reference = $1",
            reference,
        )
        .await
    }
}

impl SqlRegionStore {
    async fn payment_where(&self, sql: &'static str, arg: &str) -> StoreResult<Option<PaymentRow>> {
        let r: Option<(String, String, String, String, String, i64)> =
            conn!(self.db(), c => { sqlx::query_as(sql).bind(arg).fetch_optional(c).await })?;
        Ok(r.map(|(invoice_id, provider, reference, status, recorded_by, at)| PaymentRow {
            invoice_id,
            provider,
            reference,
            status,
            recorded_by,
            at,
        }))
    }
}
