//! Reliability drills (issue 7) against real servers, seen only through their public surfaces
//! (the HTTP API and the CLI), never by reading the stores:
//!
//! - **API fuzzing**: schemathesis (PyPI, pinned, in a venv made on first use) generates
//!   requests from `/api/v1/openapi.json`, signed in with a real bearer session; zero server
//!   errors and zero responses that contradict the document.
//! - **Crash safety**: the real binary under a mixed write load (cards, consent choices,
//!   erasures of throwaway accounts, exports) is killed with SIGKILL at random moments and
//!   restarted on the same storage; every acknowledged write must be there, the service ready,
//!   `clearboard audit verify` clean, no person half erased, interrupted exports resumed.
//! - **Soak** (ignored here; `drills/soak.sh`): the same load for minutes against one server,
//!   zero errors and bounded memory growth.
//!
//! CI runs short versions; the scripts in `drills/` run the long ones through env variables
//! (`FUZZ_MAX_EXAMPLES`, `CRASH_KILLS`, `SOAK_MINUTES`, …, see drills/README.md).

// Drills measure real processes in real time: the simulated clock has no say here.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clearboard_testkit::tools::{self, PyTool};

use super::*;

pub(crate) fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (xorshift64*): the seed is printed so that a run's choices
/// can be replayed (its timing cannot).
#[derive(Debug, Clone)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn seeded(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub(crate) fn fresh() -> u64 {
        let b = clearboard_vault::random::bytes::<8>().unwrap_or([7; 8]);
        u64::from_le_bytes(b) | 1
    }
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }
}

mod cluster_drill;
mod crash;
mod failover;
mod fuzz;
use clearboard_testkit::garage;
mod servers;
mod soak;
mod workload;

pub(crate) use servers::{Deployment, Server, client, tail_of};
use workload::*;
