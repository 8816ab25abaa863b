//! The patient form: its state as signals, the fields on screen, and the request it makes. The
//! browser checks the same rules as the server (`PatientInput::validate` from `api-types`).

use api_types::patients::{
    Address, EmergencyContact, PatientInput, PatientPatch, PhoneNumber, PhoneType, Sex,
};
use api_types::FieldError;
use chrono::NaiveDate;
use leptos::prelude::*;

use crate::components::common::{SelectField, TextAreaField, TextField};
use crate::forms::{optional, today, FieldErrors};

/// One phone number being edited; `key` keeps rows stable as others are removed.
#[derive(Debug, Clone, Copy)]
struct PhoneRow {
    key: u64,
    phone_type: RwSignal<String>,
    number: RwSignal<String>,
}

/// Which fields a form shows: everything (staff), or the contact details a patient may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    All,
    ContactOnly,
}

/// The state of a patient form. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct PatientForm {
    title: RwSignal<String>,
    first_name: RwSignal<String>,
    last_name: RwSignal<String>,
    preferred_name: RwSignal<String>,
    date_of_birth: RwSignal<String>,
    sex: RwSignal<String>,
    gender_identity: RwSignal<String>,
    pronouns: RwSignal<String>,
    email: RwSignal<String>,
    phones: RwSignal<Vec<PhoneRow>>,
    next_key: StoredValue<u64>,
    line1: RwSignal<String>,
    line2: RwSignal<String>,
    city: RwSignal<String>,
    state: RwSignal<String>,
    postcode: RwSignal<String>,
    country: RwSignal<String>,
    medicare_number: RwSignal<String>,
    medicare_irn: RwSignal<String>,
    ec_name: RwSignal<String>,
    ec_relationship: RwSignal<String>,
    ec_phone: RwSignal<String>,
    occupation: RwSignal<String>,
    referral_source: RwSignal<String>,
    notes: RwSignal<String>,
    pub errors: FieldErrors,
}

fn text(value: &Option<String>) -> RwSignal<String> {
    RwSignal::new(value.clone().unwrap_or_default())
}

const PHONE_TYPES: [(PhoneType, &str, &str); 5] = [
    (PhoneType::Mobile, "mobile", "Mobile"),
    (PhoneType::Home, "home", "Home"),
    (PhoneType::Work, "work", "Work"),
    (PhoneType::Fax, "fax", "Fax"),
    (PhoneType::Other, "other", "Other"),
];

const SEXES: [(Sex, &str); 4] = [
    (Sex::Female, "female"),
    (Sex::Male, "male"),
    (Sex::Intersex, "intersex"),
    (Sex::NotStated, "not_stated"),
];

/// Australian states and territories, for the address.
const STATES: [&str; 8] = ["ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"];

impl PatientForm {
    /// A form filled from a patient's details (or empty, for a new patient).
    pub fn new(details: &PatientInput) -> Self {
        let d = details;
        let form = PatientForm {
            title: text(&d.title),
            first_name: RwSignal::new(d.first_name.clone()),
            last_name: RwSignal::new(d.last_name.clone()),
            preferred_name: text(&d.preferred_name),
            date_of_birth: RwSignal::new(
                d.date_of_birth
                    .map(|x| x.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
            sex: RwSignal::new(
                d.sex
                    .and_then(|s| SEXES.iter().find(|(x, _)| *x == s))
                    .map(|(_, v)| (*v).to_owned())
                    .unwrap_or_default(),
            ),
            gender_identity: text(&d.gender_identity),
            pronouns: text(&d.pronouns),
            email: text(&d.email),
            phones: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
            line1: text(&d.address.line1),
            line2: text(&d.address.line2),
            city: text(&d.address.city),
            state: text(&d.address.state),
            postcode: text(&d.address.postcode),
            country: RwSignal::new(
                d.address
                    .country
                    .clone()
                    .unwrap_or_else(|| "Australia".to_owned()),
            ),
            medicare_number: text(&d.medicare_number),
            medicare_irn: text(&d.medicare_irn),
            ec_name: text(&d.emergency_contact.as_ref().map(|c| c.name.clone())),
            ec_relationship: text(
                &d.emergency_contact
                    .as_ref()
                    .and_then(|c| c.relationship.clone()),
            ),
            ec_phone: text(&d.emergency_contact.as_ref().and_then(|c| c.phone.clone())),
            occupation: text(&d.occupation),
            referral_source: text(&d.referral_source),
            notes: text(&d.notes),
            errors: FieldErrors::new(),
        };
        for p in &d.phone_numbers {
            form.add_phone(p.phone_type, &p.number);
        }
        if d.phone_numbers.is_empty() {
            form.add_phone(PhoneType::Mobile, "");
        }
        form
    }

    fn add_phone(&self, phone_type: PhoneType, number: &str) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let value = PHONE_TYPES
            .iter()
            .find(|(t, _, _)| *t == phone_type)
            .map_or("mobile", |(_, v, _)| v);
        let row = PhoneRow {
            key,
            phone_type: RwSignal::new(value.to_owned()),
            number: RwSignal::new(number.to_owned()),
        };
        self.phones.update(|rows| rows.push(row));
    }

    /// The details as entered, with the browser's checks. A date that is not a date is refused
    /// here, since it cannot be sent at all.
    pub fn input(&self) -> Result<PatientInput, Vec<FieldError>> {
        let dob_text = self.date_of_birth.get_untracked();
        let date_of_birth = match optional(&dob_text) {
            None => None,
            Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    return Err(vec![FieldError {
                        field: "date_of_birth".to_owned(),
                        code: "invalid".to_owned(),
                        message: "Enter the date of birth as a date, such as 1980-03-31."
                            .to_owned(),
                    }]);
                }
            },
        };
        let sex_value = self.sex.get_untracked();
        let ec_name = self.ec_name.get_untracked();
        let ec_relationship = optional(&self.ec_relationship.get_untracked());
        let ec_phone = optional(&self.ec_phone.get_untracked());
        let emergency_contact = (!ec_name.trim().is_empty()
            || ec_relationship.is_some()
            || ec_phone.is_some())
        .then(|| EmergencyContact {
            name: ec_name.trim().to_owned(),
            relationship: ec_relationship,
            phone: ec_phone,
        });
        let input = PatientInput {
            title: optional(&self.title.get_untracked()),
            first_name: self.first_name.get_untracked().trim().to_owned(),
            last_name: self.last_name.get_untracked().trim().to_owned(),
            preferred_name: optional(&self.preferred_name.get_untracked()),
            date_of_birth,
            sex: SEXES.iter().find(|(_, v)| *v == sex_value).map(|(s, _)| *s),
            gender_identity: optional(&self.gender_identity.get_untracked()),
            pronouns: optional(&self.pronouns.get_untracked()),
            email: optional(&self.email.get_untracked()),
            phone_numbers: self
                .phones
                .get_untracked()
                .iter()
                .filter_map(|row| {
                    let number = optional(&row.number.get_untracked())?;
                    let chosen = row.phone_type.get_untracked();
                    let phone_type = PHONE_TYPES
                        .iter()
                        .find(|(_, v, _)| *v == chosen)
                        .map_or(PhoneType::Mobile, |(t, _, _)| *t);
                    Some(PhoneNumber { phone_type, number })
                })
                .collect(),
            address: Address {
                line1: optional(&self.line1.get_untracked()),
                line2: optional(&self.line2.get_untracked()),
                line3: None,
                city: optional(&self.city.get_untracked()),
                state: optional(&self.state.get_untracked()),
                postcode: optional(&self.postcode.get_untracked()),
                country: optional(&self.country.get_untracked()),
            },
            medicare_number: optional(&self.medicare_number.get_untracked())
                .map(|m| m.chars().filter(|c| !c.is_whitespace()).collect()),
            medicare_irn: optional(&self.medicare_irn.get_untracked()),
            emergency_contact,
            occupation: optional(&self.occupation.get_untracked()),
            referral_source: optional(&self.referral_source.get_untracked()),
            notes: optional(&self.notes.get_untracked()),
        };
        input.validate(today())?;
        Ok(input)
    }

    /// Checks the form; shows any messages at their fields.
    pub fn checked_input(&self) -> Option<PatientInput> {
        match self.input() {
            Ok(input) => {
                self.errors.clear();
                Some(input)
            }
            Err(errors) => {
                self.errors.check(Err(errors));
                None
            }
        }
    }
}

/// Every field as a patch: what staff send when they save the whole form.
pub fn full_patch(input: PatientInput) -> PatientPatch {
    PatientPatch {
        title: Some(input.title),
        first_name: Some(input.first_name),
        last_name: Some(input.last_name),
        preferred_name: Some(input.preferred_name),
        date_of_birth: Some(input.date_of_birth),
        sex: Some(input.sex),
        gender_identity: Some(input.gender_identity),
        pronouns: Some(input.pronouns),
        email: Some(input.email),
        phone_numbers: Some(input.phone_numbers),
        address: Some(input.address),
        medicare_number: Some(input.medicare_number),
        medicare_irn: Some(input.medicare_irn),
        emergency_contact: Some(input.emergency_contact),
        occupation: Some(input.occupation),
        referral_source: Some(input.referral_source),
        notes: Some(input.notes),
    }
}

/// The contact details only: what a patient may change on their own record.
pub fn contact_patch(input: PatientInput) -> PatientPatch {
    PatientPatch {
        email: Some(input.email),
        phone_numbers: Some(input.phone_numbers),
        address: Some(input.address),
        emergency_contact: Some(input.emergency_contact),
        ..PatientPatch::default()
    }
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}

/// The form's fields, grouped in fieldsets.
#[component]
pub fn PatientFormFields(form: PatientForm, section: Section) -> impl IntoView {
    let e = form.errors;
    let all = section == Section::All;
    let state_options = {
        let mut o = vec![(String::new(), "—".to_owned())];
        o.extend(STATES.iter().map(|s| ((*s).to_owned(), (*s).to_owned())));
        o
    };
    let phone_type_options: Vec<(String, String)> = PHONE_TYPES
        .iter()
        .map(|(_, v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect();
    view! {
        {all
            .then(|| {
                view! {
                    <fieldset class="fieldset">
                        <legend>"Name"</legend>
                        <div class="grid grid-4">
                            <TextField id="title" label="Title" value=form.title error=e.of("title") placeholder="Ms" />
                            <TextField
                                id="first_name"
                                label="First name"
                                required=true
                                autocomplete="off"
                                value=form.first_name
                                error=e.of("first_name")
                            />
                            <TextField
                                id="last_name"
                                label="Last name"
                                required=true
                                value=form.last_name
                                error=e.of("last_name")
                            />
                            <TextField
                                id="preferred_name"
                                label="Preferred name"
                                value=form.preferred_name
                                error=e.of("preferred_name")
                            />
                        </div>
                    </fieldset>
                    <fieldset class="fieldset">
                        <legend>"About"</legend>
                        <div class="grid grid-4">
                            <TextField
                                id="date_of_birth"
                                label="Date of birth"
                                input_type="date"
                                value=form.date_of_birth
                                error=e.of("date_of_birth")
                            />
                            <SelectField
                                id="sex"
                                label="Sex"
                                value=form.sex
                                options=options(
                                    &[
                                        ("", "—"),
                                        ("female", "Female"),
                                        ("male", "Male"),
                                        ("intersex", "Intersex"),
                                        ("not_stated", "Not stated"),
                                    ],
                                )
                                error=e.of("sex")
                            />
                            <TextField
                                id="gender_identity"
                                label="Gender identity"
                                value=form.gender_identity
                                error=e.of("gender_identity")
                            />
                            <TextField id="pronouns" label="Pronouns" value=form.pronouns error=e.of("pronouns") />
                        </div>
                    </fieldset>
                }
            })}
        <fieldset class="fieldset">
            <legend>"Contact"</legend>
            <div class="grid grid-2">
                <TextField
                    id="email"
                    label="Email"
                    input_type="email"
                    value=form.email
                    error=e.of("email")
                />
            </div>
            <div class="phone-rows">
                <For each=move || form.phones.get().into_iter().enumerate() key=|(_, row)| row.key let:item>
                    {
                        let (i, row) = item;
                        view! {
                            <div class="phone-row">
                                <SelectField
                                    id=format!("phone-type-{}", row.key)
                                    label="Phone type"
                                    value=row.phone_type
                                    options=phone_type_options.clone()
                                />
                                <TextField
                                    id=format!("phone-{}", row.key)
                                    label="Phone number"
                                    input_type="tel"
                                    inputmode="tel"
                                    value=row.number
                                    error=e.of(format!("phone_numbers[{i}].number"))
                                />
                                <button
                                    type="button"
                                    class="button button-ghost button-small phone-remove"
                                    on:click=move |_| form.phones.update(|rows| rows.retain(|r| r.key != row.key))
                                >
                                    "Remove"
                                </button>
                            </div>
                        }
                    }
                </For>
                <button
                    type="button"
                    class="button button-secondary button-small"
                    on:click=move |_| form.add_phone(PhoneType::Mobile, "")
                >
                    "Add a phone number"
                </button>
                {move || e.of("phone_numbers").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        </fieldset>
        <fieldset class="fieldset">
            <legend>"Address"</legend>
            <div class="grid grid-2">
                <TextField id="address-line1" label="Street address" value=form.line1 error=e.of("address.line1") />
                <TextField id="address-line2" label="Address line 2" value=form.line2 error=e.of("address.line2") />
            </div>
            <div class="grid grid-4">
                <TextField id="address-city" label="Suburb or town" value=form.city error=e.of("address.city") />
                <SelectField
                    id="address-state"
                    label="State"
                    value=form.state
                    options=state_options
                    error=e.of("address.state")
                />
                <TextField
                    id="address-postcode"
                    label="Postcode"
                    inputmode="numeric"
                    value=form.postcode
                    error=e.of("address.postcode")
                />
                <TextField id="address-country" label="Country" value=form.country error=e.of("address.country") />
            </div>
        </fieldset>
        <fieldset class="fieldset">
            <legend>"Emergency contact"</legend>
            <div class="grid grid-3">
                <TextField id="ec-name" label="Name" value=form.ec_name error=e.of("emergency_contact.name") />
                <TextField
                    id="ec-relationship"
                    label="Relationship"
                    value=form.ec_relationship
                    error=e.of("emergency_contact.relationship")
                />
                <TextField
                    id="ec-phone"
                    label="Phone"
                    input_type="tel"
                    value=form.ec_phone
                    error=e.of("emergency_contact.phone")
                />
            </div>
        </fieldset>
        {all
            .then(|| {
                view! {
                    <fieldset class="fieldset">
                        <legend>"Medicare"</legend>
                        <div class="grid grid-4">
                            <TextField
                                id="medicare_number"
                                label="Medicare number"
                                inputmode="numeric"
                                hint="10 digits"
                                value=form.medicare_number
                                error=e.of("medicare_number")
                            />
                            <TextField
                                id="medicare_irn"
                                label="Reference number (IRN)"
                                inputmode="numeric"
                                hint="The digit beside the name"
                                value=form.medicare_irn
                                error=e.of("medicare_irn")
                            />
                        </div>
                    </fieldset>
                    <fieldset class="fieldset">
                        <legend>"Other"</legend>
                        <div class="grid grid-2">
                            <TextField id="occupation" label="Occupation" value=form.occupation error=e.of("occupation") />
                            <TextField
                                id="referral_source"
                                label="Referral source"
                                value=form.referral_source
                                error=e.of("referral_source")
                            />
                        </div>
                        <TextAreaField
                            id="notes"
                            label="Administrative notes"
                            hint="For the front desk, such as access needs. Clinical notes belong in the Notes tab."
                            value=form.notes
                            error=e.of("notes")
                        />
                    </fieldset>
                }
            })}
    }
}
