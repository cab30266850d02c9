//! What every HTML page shares: the page context (language, who is signed in, the policy
//! acknowledgement gate) and the helpers pages use to word refusals.

pub mod ctx;
pub mod landing;
