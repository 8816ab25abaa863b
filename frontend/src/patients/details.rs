//! A patient's demographics, read-only, in labelled groups. Every value is text: whatever was
//! typed into a field shows as typed and never runs.

use api_types::patients::{PatientInput, PhoneType};
use leptos::prelude::*;

use crate::format;
use crate::forms::today;

fn phone_type(t: PhoneType) -> &'static str {
    match t {
        PhoneType::Mobile => "Mobile",
        PhoneType::Home => "Home",
        PhoneType::Work => "Work",
        PhoneType::Fax => "Fax",
        PhoneType::Other => "Other",
    }
}

/// One row of a details list; blank values show as a dash.
#[component]
fn Row(label: &'static str, value: Option<String>) -> impl IntoView {
    view! {
        <div>
            <dt>{label}</dt>
            <dd>{value.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_owned())}</dd>
        </div>
    }
}

#[component]
pub fn PatientDetails(
    details: PatientInput,
    /// Show only the contact details (the portal's view of what a patient may change).
    #[prop(optional)]
    contact_only: bool,
) -> impl IntoView {
    let d = details;
    let address = {
        let a = &d.address;
        let parts: Vec<String> = [&a.line1, &a.line2, &a.line3]
            .into_iter()
            .flatten()
            .cloned()
            .chain(
                [a.city.clone(), a.state.clone(), a.postcode.clone()]
                    .into_iter()
                    .flatten()
                    .reduce(|x, y| format!("{x} {y}")),
            )
            .chain(a.country.clone())
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    };
    let phones = (!d.phone_numbers.is_empty()).then(|| {
        d.phone_numbers
            .iter()
            .map(|p| format!("{} ({})", p.number, phone_type(p.phone_type)))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let emergency = d.emergency_contact.as_ref().map(|c| {
        let mut s = c.name.clone();
        if let Some(r) = &c.relationship {
            s.push_str(&format!(" ({r})"));
        }
        if let Some(p) = &c.phone {
            s.push_str(&format!(", {p}"));
        }
        s
    });
    let contact = view! {
        <section class="details-section" aria-labelledby="contact-heading">
            <h3 id="contact-heading" class="section-title">"Contact"</h3>
            <dl class="details">
                <Row label="Email" value=d.email.clone() />
                <Row label="Phone" value=phones />
                <Row label="Address" value=address />
                <Row label="Emergency contact" value=emergency />
            </dl>
        </section>
    };
    if contact_only {
        return contact.into_any();
    }
    view! {
        <section class="details-section" aria-labelledby="personal-heading">
            <h3 id="personal-heading" class="section-title">"Personal"</h3>
            <dl class="details">
                <Row
                    label="Name"
                    value=Some(
                        [d.title.clone(), Some(d.first_name.clone()), Some(d.last_name.clone())]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                />
                <Row label="Preferred name" value=d.preferred_name.clone() />
                <Row label="Date of birth" value=d.date_of_birth.map(|x| format::date_of_birth(x, today())) />
                <Row label="Sex" value=d.sex.map(|s| format::sex(s).to_owned()) />
                <Row label="Gender identity" value=d.gender_identity.clone() />
                <Row label="Pronouns" value=d.pronouns.clone() />
            </dl>
        </section>
        {contact}
        <section class="details-section" aria-labelledby="other-heading">
            <h3 id="other-heading" class="section-title">"Identifiers and other details"</h3>
            <dl class="details">
                <Row
                    label="Medicare"
                    value=d
                        .medicare_number
                        .as_deref()
                        .map(|m| {
                            let irn = d.medicare_irn.as_deref().map(|i| format!(" / {i}")).unwrap_or_default();
                            format!("{}{irn}", format::medicare(m))
                        })
                />
                <Row label="Occupation" value=d.occupation.clone() />
                <Row label="Referral source" value=d.referral_source.clone() />
            </dl>
            <div class="notes-block">
                <h4 class="field-label">"Administrative notes"</h4>
                <p class="pre-wrap" data-testid="patient-notes">
                    {d.notes.clone().unwrap_or_else(|| "—".to_owned())}
                </p>
            </div>
        </section>
    }
    .into_any()
}
