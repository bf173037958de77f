//! Test harness for Switchboard.
