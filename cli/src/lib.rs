//! The parts of the `rio` command that other programs use too: an S3 server in the process
//! (the command's zero-setup default, and the tests' signing S3), and generated sample rows.

pub mod local_s3;
pub mod sample;
