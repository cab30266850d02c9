//! Integrations: the coming framework for third-party providers (Google Drive first), empty
//! for now.
//!
//! An integration is a recipient in the policy: it is declared there (what it receives, why,
//! under which transfer mechanism), switched on per organisation, logged in the disclosure log
//! for every transfer, and told of erasures. It must not fetch or send anything the policy
//! does not declare, and it reaches the network only through a port.
