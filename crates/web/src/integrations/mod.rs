//! The integrations' HTTP face (issue 19): the JSON API (`api`: the person's integrations,
//! disconnecting, the Drive import and its progress) and the pages (`pages`: the connect
//! screen shown before anyone is sent to Google, the OAuth callback). The words of each
//! import outcome, in English and French, are in `words`.

pub mod api;
pub mod pages;
pub mod words;
