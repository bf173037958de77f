//! The Switchboard contact form widget.
