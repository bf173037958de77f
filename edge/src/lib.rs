//! The Switchboard edge Worker.
