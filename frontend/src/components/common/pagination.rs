//! Previous and next pages of a list, with where the reader is.

use leptos::prelude::*;

#[component]
pub fn Pagination(
    /// The first row shown, from zero.
    offset: RwSignal<u64>,
    /// Rows per page.
    limit: u64,
    /// Rows in all (tracked), and whether that count stopped at a cap.
    #[prop(into)]
    total: Signal<Option<(u64, bool)>>,
) -> impl IntoView {
    let range = move || {
        let (total, capped) = total.get()?;
        if total == 0 {
            return None;
        }
        let first = offset.get() + 1;
        let last = (offset.get() + limit).min(total);
        let of = if capped {
            format!("more than {total}")
        } else {
            total.to_string()
        };
        Some(format!("{first}–{last} of {of}"))
    };
    let has_next = move || {
        total
            .get()
            .is_some_and(|(total, _)| offset.get() + limit < total)
    };
    view! {
        <nav class="pagination" aria-label="Pages">
            <span class="pagination-range muted">{range}</span>
            <div class="pagination-buttons">
                <button
                    type="button"
                    class="button button-secondary button-small"
                    disabled=move || offset.get() == 0
                    on:click=move |_| offset.update(|o| *o = o.saturating_sub(limit))
                >
                    "Previous"
                </button>
                <button
                    type="button"
                    class="button button-secondary button-small"
                    disabled=move || !has_next()
                    on:click=move |_| offset.update(|o| *o += limit)
                >
                    "Next"
                </button>
            </div>
        </nav>
    }
}
