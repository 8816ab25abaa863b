//! `/`: the signed-in landing page. Staff see their dashboard, patients their portal.

use leptos::prelude::*;

use crate::auth::{role_label, use_auth};
use crate::components::common::{Notice, PageTitle};

#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    // The route guard renders this only for a signed-in session.
    move || {
        auth.me().map(|me| {
            let heading = if me.role.is_staff() {
                "Dashboard"
            } else {
                "Your portal"
            };
            view! {
                <PageTitle text=heading />
                <div class="page">
                    <h1 class="page-title">{heading}</h1>
                    <section class="card" aria-labelledby="welcome-heading">
                        <h2 id="welcome-heading" class="card-title">
                            "Signed in as "
                            {me.name.clone()}
                        </h2>
                        <dl class="details">
                            <div>
                                <dt>"Role"</dt>
                                <dd>{role_label(me.role)}</dd>
                            </div>
                            <div>
                                <dt>"Email"</dt>
                                <dd>{me.email.clone()}</dd>
                            </div>
                            <div>
                                <dt>"Two-step verification"</dt>
                                <dd>{if me.mfa_enabled { "On" } else { "Off" }}</dd>
                            </div>
                        </dl>
                    </section>
                    {me
                        .mfa_enrollment_required
                        .then(|| {
                            view! {
                                <Notice title="Two-step verification is required">
                                    <p>
                                        "Your practice requires two-step verification for your role, and it is not set up on your account yet. Until it is, Carebase will refuse other requests."
                                    </p>
                                </Notice>
                            }
                        })}
                </div>
            }
        })
    }
}
