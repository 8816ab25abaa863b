//! Clinical records. Answers and free text (`_enc`) are encrypted; what is kept in the clear is
//! only what lists and queues are ordered and filtered by.

pub mod assessment;
