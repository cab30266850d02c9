//! What one piece of work about one person reads many times, read once (issue 21).
//!
//! An export asks every enabled module for its part, and each module reads what it needs on its
//! own: the person's account row (for the address's blind index, the locale), their key, their
//! consents and requests (a category's part and the export's records). Inside [`scoped`] those
//! reads are remembered for the person the work is about, in that region, until the work ends;
//! outside it (every other request) nothing is remembered and every read goes to the store.
//! Inside it, too, the work's reads keep one connection per database (`ports::held`): those
//! many reads come one after another.
//!
//! What is remembered is what the store holds (the account row's envelopes, the key still
//! wrapped by the KEK: it is unwrapped at every use, as without the memo), held in memory only
//! while the work runs. A person erased meanwhile: the work already holds their key, as it would
//! have without the memo; what it writes is sealed with that key and unreadable once it is gone.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use serde_json::Value;

use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::ports::{AccountRow, held};

/// The reads remembered for one person in one region.
struct Memo {
    region: RegionId,
    subject: SubjectId,
    account: Mutex<Option<Option<AccountRow>>>,
    /// Wrapped keys by key id.
    keys: Mutex<HashMap<u32, Option<Vec<u8>>>>,
    /// Records as the person is shown them, by name (`consents`, `requests`).
    records: Mutex<HashMap<&'static str, Vec<Value>>>,
}

tokio::task_local! {
    static MEMO: Memo;
}

/// Runs `work` (which must not move the reads to other tasks), remembering the reads about
/// `subject` in `region` that go through this module, its reads on one connection per database
/// (`held::one_connection`).
pub async fn scoped<F: Future>(region: &RegionId, subject: &SubjectId, work: F) -> F::Output {
    let memo = Memo {
        region: region.clone(),
        subject: subject.clone(),
        account: Mutex::new(None),
        keys: Mutex::new(HashMap::new()),
        records: Mutex::new(HashMap::new()),
    };
    MEMO.scope(memo, held::one_connection(work)).await
}

/// Runs `f` on the memo if the running work is about `subject` in `region`.
fn with<R>(region: &RegionId, subject: &SubjectId, f: impl FnOnce(&Memo) -> R) -> Option<R> {
    MEMO.try_with(|m| (m.region == *region && m.subject == *subject).then(|| f(m))).ok().flatten()
}

/// Reads the remembered value, or `read`s it and remembers it. A lock is never held across
/// the read: two reads of the same thing at once both go to the store.
async fn remembered<T: Clone, Fut: Future<Output = Result<T, CoreError>>>(
    region: &RegionId,
    subject: &SubjectId,
    get: impl Fn(&Memo) -> Option<T>,
    put: impl Fn(&Memo, T),
    read: impl FnOnce() -> Fut,
) -> Result<T, CoreError> {
    if let Some(Some(v)) = with(region, subject, &get) {
        return Ok(v);
    }
    let v = read().await?;
    with(region, subject, |m| put(m, v.clone()));
    Ok(v)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The person's account row.
pub async fn account(region: &RegionHandle, subject: &SubjectId) -> Result<Option<AccountRow>, CoreError> {
    remembered(
        &region.id,
        subject,
        |m| lock(&m.account).clone(),
        |m, v| *lock(&m.account) = Some(v),
        || async { Ok(region.store.account(subject).await?) },
    )
    .await
}

/// The person's key `key_id`, as the key store holds it (wrapped).
pub async fn wrapped_key(region: &RegionHandle, subject: &SubjectId, key_id: u32) -> Result<Option<Vec<u8>>, CoreError> {
    remembered(
        &region.id,
        subject,
        |m| lock(&m.keys).get(&key_id).cloned(),
        |m, v| {
            lock(&m.keys).insert(key_id, v);
        },
        || async { Ok(region.keys.get(subject, key_id).await?) },
    )
    .await
}

/// Records of the person (`name` says which), as `read` gives them.
pub async fn records<Fut: Future<Output = Result<Vec<Value>, CoreError>>>(
    region: &RegionHandle,
    subject: &SubjectId,
    name: &'static str,
    read: impl FnOnce() -> Fut,
) -> Result<Vec<Value>, CoreError> {
    remembered(
        &region.id,
        subject,
        |m| lock(&m.records).get(name).cloned(),
        |m, v| {
            lock(&m.records).insert(name, v);
        },
        read,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (RegionId, SubjectId, SubjectId) {
        (RegionId::new("eu"), SubjectId::from_stored("a".into()), SubjectId::from_stored("b".into()))
    }

    #[tokio::test]
    async fn remembers_only_inside_the_work_and_only_for_its_person() {
        let (eu, a, b) = ids();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = |v: &'static str| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, CoreError>(vec![Value::from(v)])
            }
        };
        let get = |m: &Memo| lock(&m.records).get("x").cloned();
        let put = |m: &Memo, v: Vec<Value>| {
            lock(&m.records).insert("x", v);
        };
        // Outside: every read goes to the store.
        remembered(&eu, &a, get, put, read("1")).await.unwrap();
        remembered(&eu, &a, get, put, read("1")).await.unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        scoped(&eu, &a, async {
            let first = remembered(&eu, &a, get, put, read("first")).await.unwrap();
            let again = remembered(&eu, &a, get, put, read("second")).await.unwrap();
            assert_eq!((first, again), (vec![Value::from("first")], vec![Value::from("first")]));
            // Another person, or the same id in another region, is not the work's.
            assert_eq!(remembered(&eu, &b, get, put, read("b")).await.unwrap(), vec![Value::from("b")]);
            let us = RegionId::new("us");
            assert_eq!(remembered(&us, &a, get, put, read("us")).await.unwrap(), vec![Value::from("us")]);
        })
        .await;
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 5);
        // A read that fails is not remembered.
        scoped(&eu, &a, async {
            let failed = remembered(&eu, &a, get, put, || async { Err::<Vec<Value>, _>(CoreError::NotFound) }).await;
            assert!(matches!(failed, Err(CoreError::NotFound)));
            assert_eq!(remembered(&eu, &a, get, put, read("after")).await.unwrap(), vec![Value::from("after")]);
        })
        .await;
    }
}
