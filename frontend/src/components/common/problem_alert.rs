//! Shows a problem from the API: its title, and its detail when there is one, with any time in
//! it written as the app writes times.

use api_types::Problem;
use leptos::prelude::*;

#[component]
pub fn ProblemAlert(problem: Problem) -> impl IntoView {
    let Problem { title, detail, .. } = problem;
    view! {
        <div class="alert alert-error" role="alert">
            <p class="alert-title">{title}</p>
            {detail.map(|detail| view! { <p class="alert-body">{crate::format::times_in(&detail)}</p> })}
        </div>
    }
}
