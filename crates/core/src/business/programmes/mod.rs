//! Programmes (issue 18): the organisation's public activities that collect personal data
//! outside the Services. Today: careers (`careers`: job posts, applications with their CV,
//! the recruitment pipeline, the talent pool).

pub mod careers;
