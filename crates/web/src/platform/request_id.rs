//! The id of a request: set by the middleware on every request, shown in the `x-request-id`
//! header and in error bodies, and written in the logs, so support can find a request without
//! anyone quoting personal data.

/// The id of the current request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);
