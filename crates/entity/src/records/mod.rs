pub mod data_request;
