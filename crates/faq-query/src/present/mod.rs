//! What a search shows: the response and its JSON contract ([`response`], written by
//! [`json`]), the stored side of hits ([`stored`]), highlights and snippets ([`highlight`]), text made safe for HTML and
//! terminals ([`text`]),
//! and the search box's completions ([`suggest`]).

pub mod highlight;
pub mod json;
pub mod response;
pub mod stored;
pub mod suggest;
pub mod text;
