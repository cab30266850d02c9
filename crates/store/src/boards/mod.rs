//! Boards' storage (the `BoardStore` port): organisations, members, invitations, boards,
//! participants, cards, reactions and comments. Every change to a board's content advances
//! the board's sequence number in the same transaction, so real-time clients can order and
//! replay changes.

#[macro_use]
mod rows;
#[macro_use]
mod changes;
mod copy;
mod people;
mod store;
