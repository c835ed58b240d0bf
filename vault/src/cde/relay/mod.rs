//! The relay's card-data half: a forward's body template filled with stored methods' details
//! (`template`), and the one send that carries them to a registered connection (`send`). The
//! registry of connections, which holds no card data, is `crate::relay`.

pub(crate) mod send;
pub(crate) mod template;
