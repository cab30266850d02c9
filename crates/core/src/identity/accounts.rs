//! Accounts (C-DATA-2, C-CHILD-1, C-DSR-1): sign-up with the age gate, the profile and its
//! changes, the profile picture, and deletion by the person themselves.
//!
//! Every personal field is sealed with the person's own key before it reaches a store; the
//! email is found again through its blind index. The birth date is used for the age check
//! only and is never stored or logged. Every change is audited with the names of the fields
//! changed, never their values.
//!
//! Takes the whole context (`Clearboard`): sign-up, changes and deletion orchestrate the
//! directory, the region's stores and key store, the blind index, the password-work bound,
//! throttles, policy acknowledgements, exports (revoked on a password change) and erasure.

use clearboard_vault::{Aad, Dek, stream};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use crate::boards::departure::Decisions;
use crate::identity::password;
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, RegionId, SubjectId};
use crate::platform::media::{self, ImageKind};
use crate::platform::ports::{AccountRow, StoreError, SubjectKind};
use crate::platform::validate;

const PURPOSE: &str = "account";
const CATEGORY: &str = "account";

/// What sign-up asks for.
#[derive(Debug, Default)]
pub struct NewAccount {
    pub email: String,
    pub password: Zeroizing<String>,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    /// `YYYY-MM-DD`; used only for the minimum-age check.
    pub birth_date: Option<String>,
    pub region: Option<String>,
    pub locale: Option<String>,
}

/// What a person (or authorised staff) sees of an account.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Profile {
    pub id: SubjectId,
    pub region: RegionId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub has_picture: bool,
    pub locale: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A change to the profile. Changing the email or the password needs the current password.
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `Some(None)` or `Some(Some(""))` removes the phone number.
    pub phone: Option<Option<String>>,
    pub email: Option<String>,
    pub new_password: Option<Zeroizing<String>>,
    pub current_password: Option<Zeroizing<String>>,
    pub locale: Option<String>,
    /// The client's address, for the per-address re-authentication throttle (never stored).
    pub client: Option<String>,
}

/// A decrypted profile picture.
#[derive(Debug)]
pub struct Picture {
    pub mime: &'static str,
    pub bytes: clearboard_vault::SecretBytes,
}

fn aad<'a>(column: &'a str, subject: &'a SubjectId) -> Aad<'a> {
    Aad { table: "accounts", column, row: subject.as_str() }
}

fn picture_aad<'a>(blob: &'a BlobId) -> Aad<'a> {
    Aad { table: "blobs", column: "profile_picture", row: blob.as_str() }
}

pub struct Accounts<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { cb: self }
    }
}

pub(crate) struct Clear {
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) phone: Option<String>,
}

impl Accounts<'_> {
    pub(crate) fn cb(&self) -> &Clearboard {
        self.cb
    }

    fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    /// Public sign-up: validates, applies the age gate, creates the person's key and account.
    pub async fn sign_up(&self, input: NewAccount) -> Result<Profile, CoreError> {
        let born = validate::birth_date(input.birth_date.as_deref().unwrap_or_default())?;
        let clear = self.validate_new(&input)?;
        // C-CHILD-1: refused before anything is written or logged.
        validate::old_enough(born, self.cb.clock().today(), self.cb.policy().minimum_age())?;
        self.create(input, clear, SubjectKind::Account, None).await
    }

    /// Account creation for staff members, by the operator's CLI (no public age gate).
    pub async fn create_for_staff(&self, input: NewAccount) -> Result<Profile, CoreError> {
        let clear = self.validate_new(&input)?;
        self.create(input, clear, SubjectKind::Account, None).await
    }

    pub(crate) fn validate_new(&self, input: &NewAccount) -> Result<Clear, CoreError> {
        let email = validate::email(&input.email)?;
        let first_name = validate::name("first_name", &input.first_name)?;
        let last_name = validate::name("last_name", &input.last_name)?;
        let phone = validate::phone(input.phone.as_deref())?;
        crate::identity::password_strength::new_password("password", &input.password, &email, &[&first_name, &last_name])?;
        validate::locale(input.locale.as_deref())?;
        if let Some(r) = &input.region {
            self.cb.region_named(r)?;
        }
        Ok(Clear { email, first_name, last_name, phone })
    }

    /// Creates the account. With `activation` (the SHA-256 of an emailed token and its expiry),
    /// the account is written inactive: the activation row goes first, so no account exists
    /// without it while it is pending.
    pub(crate) async fn create(
        &self,
        input: NewAccount,
        clear: Clear,
        kind: SubjectKind,
        activation: Option<(&[u8], crate::platform::clock::Millis)>,
    ) -> Result<Profile, CoreError> {
        self.guard()?;
        let region = match &input.region {
            Some(r) => self.cb.region_named(r)?.clone(),
            None => self.cb.region(&self.cb.settings().default_region)?.clone(),
        };
        let locale = validate::locale(input.locale.as_deref())?;
        let phc = password::hash(&self.cb.inner.work, input.password).await?;
        let now = self.cb.now();
        let subject = SubjectId::new(now)?;
        let bidx = self.cb.inner.blind.email(&clear.email);

        self.claim_email(&bidx, &region.id, &subject).await?;
        let result = async {
            if let Some((hash, expires_at)) = activation {
                region.store.put_activation(&subject, hash, expires_at, now).await?;
            }
            let dek = self.cb.keys().create(&region, &subject).await?;
            let row = AccountRow {
                subject_id: subject.clone(),
                email_bidx: bidx.to_vec(),
                email: dek.seal_str(aad("email", &subject), &clear.email)?,
                first_name: dek.seal_str(aad("first_name", &subject), &clear.first_name)?,
                last_name: dek.seal_str(aad("last_name", &subject), &clear.last_name)?,
                phone: clear.phone.as_deref().map(|p| dek.seal_str(aad("phone", &subject), p)).transpose()?,
                password_hash: dek.seal_str(aad("password_hash", &subject), &phc)?,
                picture_blob: None,
                locale,
                created_at: now,
                updated_at: now,
            };
            let audit = self.cb.audit_draft(
                Actor::Subject(&subject),
                "account.created",
                Some(&subject),
                Some(PURPOSE),
                json!({ "region": region.id, "kind": kind.as_str(), "has_phone": row.phone.is_some(), "activation_required": activation.is_some() }),
            );
            region.store.create_account(kind, &row, audit).await?;
            Ok::<_, CoreError>(row)
        }
        .await;
        match result {
            Ok(row) => {
                // Informational (an account created after a version needs no acknowledgement
                // of it), so a failure here does not undo the account.
                if let Err(e) = self.cb.policy_versions().record_at_sign_up(&region, &subject).await {
                    tracing::warn!(error = %e, "could not record the policy version shown at sign-up");
                }
                tracing::info!(subject = %subject, region = %region.id, "account created");
                metrics::counter!("clearboard_accounts_created_total").increment(1);
                Ok(self.profile_of(&region, &row, &clear))
            }
            Err(e) => {
                // Nothing half-written: undo the key and the directory claim.
                let _ = region.keys.discard(&subject).await;
                if activation.is_some() {
                    let _ = region.store.delete_activation(&subject).await;
                }
                let _ = self.cb.directory().release_email(&bidx, &subject).await;
                Err(match e {
                    CoreError::Store(StoreError::Conflict) => CoreError::EmailTaken,
                    other => other,
                })
            }
        }
    }

    /// Claims an email in the directory. A claim left by an erased subject (a crash between
    /// erasure steps) is released and retried once.
    pub(crate) async fn claim_email(&self, bidx: &[u8], region: &RegionId, subject: &SubjectId) -> Result<(), CoreError> {
        let now = self.cb.now();
        match self.cb.directory().claim_email(bidx, region, subject, now).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => {
                let Some((held_region, holder)) = self.cb.directory().find_email(bidx).await? else {
                    return Err(CoreError::EmailTaken);
                };
                let stale = match self.cb.region(&held_region) {
                    Ok(r) => r.keys.tombstone(&holder).await?.is_some(),
                    Err(_) => false,
                };
                if !stale {
                    return Err(CoreError::EmailTaken);
                }
                self.cb.directory().release_email(bidx, &holder).await?;
                self.cb.directory().claim_email(bidx, region, subject, now).await.map_err(|e| match e {
                    StoreError::Conflict => CoreError::EmailTaken,
                    other => other.into(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn profile_of(&self, region: &RegionHandle, row: &AccountRow, clear: &Clear) -> Profile {
        Profile {
            id: row.subject_id.clone(),
            region: region.id.clone(),
            email: clear.email.clone(),
            first_name: clear.first_name.clone(),
            last_name: clear.last_name.clone(),
            phone: clear.phone.clone(),
            has_picture: row.picture_blob.is_some(),
            locale: row.locale.clone(),
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }

    pub(crate) fn open(&self, dek: &Dek, row: &AccountRow) -> Result<Clear, CoreError> {
        let s = &row.subject_id;
        Ok(Clear {
            email: dek.open_string(aad("email", s), &row.email)?,
            first_name: dek.open_string(aad("first_name", s), &row.first_name)?,
            last_name: dek.open_string(aad("last_name", s), &row.last_name)?,
            phone: row.phone.as_deref().map(|p| dek.open_string(aad("phone", s), p)).transpose()?,
        })
    }

    pub(crate) async fn load(&self, region: &RegionHandle, subject: &SubjectId) -> Result<(AccountRow, Dek), CoreError> {
        let row = crate::platform::memo::account(region, subject).await?.ok_or(CoreError::NotFound)?;
        let dek = self.cb.keys().current(region, subject).await?;
        Ok((row, dek))
    }

    /// The profile of `subject` in `region`, decrypted (used by the person and by audited staff access).
    pub async fn profile(&self, region: &RegionId, subject: &SubjectId) -> Result<Profile, CoreError> {
        self.guard()?;
        let region = self.cb.region(region)?;
        let (row, dek) = self.load(region, subject).await?;
        let clear = self.open(&dek, &row)?;
        Ok(self.profile_of(region, &row, &clear))
    }

    /// The signed-in person's own profile.
    pub async fn me(&self, who: &Principal) -> Result<Profile, CoreError> {
        self.profile(&who.region, &who.subject).await
    }

    /// Applies a profile change. Email and password changes need the current password; a
    /// password change signs out every other session (ASVS V7.4.3).
    pub async fn update(&self, who: &Principal, change: ProfileChange) -> Result<Profile, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?.clone();
        let (mut row, dek) = self.load(&region, &who.subject).await?;
        let mut clear = self.open(&dek, &row)?;
        let s = who.subject.clone();
        let mut changed: Vec<&'static str> = Vec::new();

        if let Some(v) = &change.first_name {
            let v = validate::name("first_name", v)?;
            if v != clear.first_name {
                row.first_name = dek.seal_str(aad("first_name", &s), &v)?;
                clear.first_name = v;
                changed.push("first_name");
            }
        }
        if let Some(v) = &change.last_name {
            let v = validate::name("last_name", v)?;
            if v != clear.last_name {
                row.last_name = dek.seal_str(aad("last_name", &s), &v)?;
                clear.last_name = v;
                changed.push("last_name");
            }
        }
        if let Some(v) = &change.phone {
            let v = validate::phone(v.as_deref())?;
            if v != clear.phone {
                row.phone = v.as_deref().map(|p| dek.seal_str(aad("phone", &s), p)).transpose()?;
                clear.phone = v;
                changed.push("phone");
            }
        }
        if let Some(v) = &change.locale {
            let v = validate::locale(Some(v))?;
            if v != row.locale {
                row.locale = v;
                changed.push("locale");
            }
        }
        let new_email = match &change.email {
            Some(e) => {
                let e = validate::email(e)?;
                (self.cb.inner.blind.email(&e).as_slice() != row.email_bidx.as_slice()).then_some(e)
            }
            None => None,
        };
        if let Some(pw) = &change.new_password {
            crate::identity::password_strength::new_password(
                "new_password",
                pw,
                new_email.as_deref().unwrap_or(&clear.email),
                &[&clear.first_name, &clear.last_name],
            )?;
        }
        let sensitive = new_email.is_some() || change.new_password.is_some();
        if sensitive {
            self.reauthenticate(&dek, &row, change.current_password.clone(), change.client.as_deref()).await?;
        }
        let mut revoke = None;
        if let Some(pw) = change.new_password.clone() {
            let phc = password::hash(&self.cb.inner.work, pw).await?;
            row.password_hash = dek.seal_str(aad("password_hash", &s), &phc)?;
            changed.push("password");
            revoke = Some(who.token_hash.as_slice());
        }
        let old_bidx = row.email_bidx.clone();
        let mut claimed = None;
        if let Some(e) = new_email {
            let bidx = self.cb.inner.blind.email(&e);
            self.claim_email(&bidx, &region.id, &s).await?;
            claimed = Some(bidx);
            row.email_bidx = bidx.to_vec();
            row.email = dek.seal_str(aad("email", &s), &e)?;
            clear.email = e;
            changed.push("email");
        }
        if changed.is_empty() {
            return Ok(self.profile_of(&region, &row, &clear));
        }
        row.updated_at = self.cb.now();
        let audit = self.cb.audit_draft(
            Actor::Subject(&s),
            "account.updated",
            Some(&s),
            Some(PURPOSE),
            json!({ "fields": changed, "other_sessions_revoked": revoke.is_some() }),
        );
        if let Err(e) = region.store.update_account(&row, revoke, audit).await {
            if let Some(bidx) = claimed {
                let _ = self.cb.directory().release_email(&bidx, &s).await;
            }
            return Err(match e {
                StoreError::Conflict => CoreError::EmailTaken,
                other => other.into(),
            });
        }
        if claimed.is_some() {
            self.cb.directory().release_email(&old_bidx, &s).await?;
        }
        if change.new_password.is_some() {
            // Issue 11, finding 9: a new password revokes every export made before it.
            self.cb.exports().revoke_all(&region.id, &s, crate::privacy::rights::exports::Revocation::PasswordChanged).await?;
        }
        Ok(self.profile_of(&region, &row, &clear))
    }

    /// Re-authentication with the current password, throttled per account and per client
    /// address (issue 11 finding 5): once locked, every attempt is refused with 429 until the
    /// clock releases it, the right password included, so a stolen session cannot be used to
    /// guess the password.
    async fn reauthenticate(
        &self,
        dek: &Dek,
        row: &AccountRow,
        current: Option<Zeroizing<String>>,
        client: Option<&str>,
    ) -> Result<(), CoreError> {
        use crate::platform::throttle::Kind;
        let t = self.cb.throttle();
        let now = self.cb.now();
        let account = row.subject_id.as_str().as_bytes();
        let address = client.map(str::as_bytes);
        // Admitted against both counters before the (slow) check, so concurrent guesses are
        // bounded by the rule too.
        let throttled = |secs| {
            tracing::info!(event = "auth.reauthenticate", outcome = "throttled", subject = %row.subject_id);
            CoreError::Throttled { retry_after_secs: secs }
        };
        let by_account = t.begin(Kind::ReauthAccount, account, now).await?.map_err(throttled)?;
        let by_address = match address {
            Some(a) => Some(t.begin(Kind::ReauthAddress, a, now).await?.map_err(throttled)?),
            None => None,
        };
        let ok = match current.filter(|c| !c.is_empty()) {
            Some(current) => {
                let phc = Zeroizing::new(dek.open_string(aad("password_hash", &row.subject_id), &row.password_hash)?);
                password::verify(&self.cb.inner.work, phc, current).await?
            }
            None => false,
        };
        let now = self.cb.now();
        if ok {
            by_account.succeeded(now).await?;
            if let Some(a) = by_address {
                a.succeeded(now).await?;
            }
            return Ok(());
        }
        by_account.failed(now).await?;
        if let Some(a) = by_address {
            a.failed(now).await?;
        }
        tracing::info!(event = "auth.reauthenticate", outcome = "failure", subject = %row.subject_id);
        metrics::counter!("clearboard_reauthentication_failures_total").increment(1);
        Err(CoreError::ReauthenticationFailed)
    }

    /// Checks a password for the account behind `bidx`-resolved row (used by sign-in).
    pub(crate) async fn password_matches(&self, dek: &Dek, row: &AccountRow, password: Zeroizing<String>) -> Result<bool, CoreError> {
        let phc = Zeroizing::new(dek.open_string(aad("password_hash", &row.subject_id), &row.password_hash)?);
        password::verify(&self.cb.inner.work, phc, password).await
    }

    /// Sets the profile picture: the bytes decide the type, the image is rebuilt from an
    /// allow-list (`media::sanitise_image`: no metadata, no second picture, nothing after the
    /// end), and the result is stored encrypted under the person's key.
    pub async fn set_picture(&self, who: &Principal, bytes: &[u8]) -> Result<ImageKind, CoreError> {
        self.guard()?;
        let max = self.cb.settings().picture_max_bytes;
        if bytes.len() > max {
            return Err(CoreError::TooLarge { max_bytes: max });
        }
        let (kind, clean) = media::sanitise_image(bytes)?;
        let region = self.cb.region(&who.region)?.clone();
        let (mut row, dek) = self.load(&region, &who.subject).await?;
        let blob = BlobId::new(self.cb.now())?;
        let mut payload = Vec::with_capacity(clean.len() + 1);
        payload.push(kind as u8);
        payload.extend_from_slice(&clean);
        let sealed = stream::seal(&dek, picture_aad(&blob), &payload)?;
        region.blobs.put(&blob, &sealed).await?;
        let old = row.picture_blob.replace(blob.clone());
        row.updated_at = self.cb.now();
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "account.picture_set",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "type": kind.mime(), "bytes": clean.len() }),
        );
        if let Err(e) = region.store.update_account(&row, None, audit).await {
            let _ = region.blobs.delete(&blob).await;
            return Err(e.into());
        }
        if let Some(old) = old {
            region.blobs.delete(&old).await?;
        }
        Ok(kind)
    }

    /// The profile picture, decrypted.
    pub async fn picture(&self, who: &Principal) -> Result<Picture, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?;
        let (row, dek) = self.load(region, &who.subject).await?;
        let blob = row.picture_blob.ok_or(CoreError::NotFound)?;
        let sealed = region.blobs.get(&blob).await?.ok_or(CoreError::NotFound)?;
        let plain = stream::open(&dek, picture_aad(&blob), &sealed)?;
        let (&tag, rest) = plain.split_first().ok_or(CoreError::Internal("empty picture"))?;
        let mime = match tag {
            t if t == ImageKind::Png as u8 => ImageKind::Png.mime(),
            t if t == ImageKind::Jpeg as u8 => ImageKind::Jpeg.mime(),
            _ => ImageKind::Webp.mime(),
        };
        Ok(Picture { mime, bytes: clearboard_vault::SecretBytes::new(rest.to_vec()) })
    }

    /// Removes the profile picture (the blob is deleted, not hidden).
    pub async fn remove_picture(&self, who: &Principal) -> Result<(), CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?.clone();
        let (mut row, _dek) = self.load(&region, &who.subject).await?;
        let Some(blob) = row.picture_blob.take() else {
            return Ok(());
        };
        row.updated_at = self.cb.now();
        let audit =
            self.cb.audit_draft(Actor::Subject(&who.subject), "account.picture_removed", Some(&who.subject), Some(PURPOSE), json!({}));
        region.store.update_account(&row, None, audit).await?;
        region.blobs.delete(&blob).await?;
        Ok(())
    }

    /// Deletes the signed-in person's account after re-authentication (C-DSR-1, C-RET-2):
    /// every session ends, the person's key is destroyed first (everything sealed with it is
    /// unreadable from that instant), then rows and blobs are deleted and the email released.
    /// Refused while an organisation they own with other members awaits their choice (use
    /// [`Accounts::delete_from`] with the choices).
    pub async fn delete(
        &self,
        who: &Principal,
        current_password: Option<Zeroizing<String>>,
    ) -> Result<crate::privacy::rights::erasure::SignedReceipt, CoreError> {
        self.delete_from(who, current_password, None, &Decisions::new(), "").await
    }

    /// [`Accounts::delete`], with the client's address for the re-authentication throttle and
    /// the person's choice for each organisation they own with other members (issue 14: pass
    /// it on, or delete it with its boards; checked after the password, carried out before the
    /// erasure). `base_url` is the public origin, for the new owners' emails.
    pub async fn delete_from(
        &self,
        who: &Principal,
        current_password: Option<Zeroizing<String>>,
        client: Option<&str>,
        decisions: &Decisions,
        base_url: &str,
    ) -> Result<crate::privacy::rights::erasure::SignedReceipt, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?.clone();
        let (row, dek) = self.load(&region, &who.subject).await?;
        self.reauthenticate(&dek, &row, current_password, client).await?;
        drop(dek);
        self.cb.boards().check_departure(who, decisions).await?;
        self.cb.boards().settle_departure(who, decisions, base_url).await?;
        self.cb.erasure().erase_account(&who.region, &who.subject, "self_service", None, Actor::Subject(&who.subject)).await
    }
}
