//! Choosing a new password: the password and its repetition, checked in the browser by the same
//! length rule as the server (which adds a strength estimate).

use api_types::validation;
use api_types::FieldError;
use leptos::prelude::*;

use crate::components::common::TextField;
use crate::forms::FieldErrors;

/// The two fields; `field` is the request's name for the password, so that the server's
/// messages land on it.
#[component]
pub fn NewPasswordFields(
    field: &'static str,
    password: RwSignal<String>,
    repeat: RwSignal<String>,
    errors: FieldErrors,
) -> impl IntoView {
    view! {
        <TextField
            id=field
            label="New password"
            input_type="password"
            autocomplete="new-password"
            hint="At least 12 characters. A few unrelated words make a strong password that is easy to remember."
            required=true
            value=password
            error=errors.of(field)
        />
        <TextField
            id="repeat-password"
            label="Repeat the new password"
            input_type="password"
            autocomplete="new-password"
            required=true
            value=repeat
            error=errors.of("repeat_password")
        />
    }
}

/// The browser's checks of a new password.
pub fn check_new_password(
    field: &str,
    password: &str,
    repeat: &str,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err((code, message)) = validation::password_length(password) {
        errors.push(FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message,
        });
    } else if password != repeat {
        errors.push(FieldError {
            field: "repeat_password".to_owned(),
            code: "mismatch".to_owned(),
            message: "The two passwords are different.".to_owned(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
