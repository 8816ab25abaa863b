//! Form state shared by every screen: messages at the fields, from the browser's own checks (the
//! same rules as the server's, from `api-types`) or from the server's `validation_failed` reply.

use std::collections::HashMap;

use api_types::{ErrorCode, FieldError, Problem};
use chrono::NaiveDate;
use leptos::prelude::*;

/// Messages for a form's fields, keyed by the field's path in the request (`first_name`,
/// `address.postcode`, `phone_numbers[0].number`). Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct FieldErrors(RwSignal<HashMap<String, String>>);

impl Default for FieldErrors {
    fn default() -> Self {
        FieldErrors(RwSignal::new(HashMap::new()))
    }
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// The message for one field (tracked).
    pub fn of(&self, field: impl Into<String>) -> Signal<Option<String>> {
        let map = self.0;
        let field = field.into();
        Signal::derive(move || map.with(|m| m.get(&field).cloned()))
    }

    /// Shows these messages, replacing any before. The first message for a field wins.
    pub fn show(&self, errors: Vec<FieldError>) {
        let mut map = HashMap::new();
        for e in errors {
            map.entry(e.field).or_insert(e.message);
        }
        self.0.set(map);
    }

    pub fn clear(&self) {
        self.0.set(HashMap::new());
    }

    /// Checks in the browser first: shows the messages and says whether the form may be sent.
    pub fn check(&self, result: Result<(), Vec<FieldError>>) -> bool {
        match result {
            Ok(()) => {
                self.clear();
                true
            }
            Err(errors) => {
                self.show(errors);
                focus_first_invalid();
                false
            }
        }
    }

    /// Takes the server's answer: messages for fields go to the fields; any other problem is
    /// handed back to be shown above the form.
    pub fn absorb(&self, problem: Problem) -> Option<Problem> {
        if problem.code == ErrorCode::ValidationFailed && !problem.errors.is_empty() {
            self.show(problem.errors);
            focus_first_invalid();
            None
        } else {
            Some(problem)
        }
    }
}

/// Moves focus to the first field marked invalid, once the messages are on screen.
fn focus_first_invalid() {
    request_animation_frame(|| {
        let Some(element) = document()
            .query_selector("[aria-invalid='true']")
            .ok()
            .flatten()
        else {
            return;
        };
        use leptos::wasm_bindgen::JsCast;
        if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
            let _ = element.focus();
        }
    });
}

/// `None` for a blank entry, else the entry trimmed.
pub fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Today in the practice's time zone.
pub fn today() -> NaiveDate {
    crate::format::today()
}
