//! The demo practice's people: names, addresses and details that look like a real list.

use api_types::patients::{Address, EmergencyContact, PatientInput, PhoneNumber, PhoneType, Sex};
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

const FIRST_F: &[&str] = &[
    "Olivia",
    "Charlotte",
    "Amelia",
    "Isla",
    "Mia",
    "Ava",
    "Grace",
    "Zoë",
    "Harper",
    "Chloe",
    "Sophie",
    "Ruby",
    "Matilda",
    "Evie",
    "Lily",
    "Aisha",
    "Mei",
    "Priya",
    "Hannah",
    "Eleanor",
    "Margaret",
    "Joan",
    "Siobhan",
    "Leila",
    "Anh",
];
const FIRST_M: &[&str] = &[
    "Oliver", "Noah", "Jack", "William", "Leo", "Lucas", "Henry", "Thomas", "James", "Ethan",
    "Liam", "Mason", "Arjun", "Wei", "Mohammed", "Hamish", "Patrick", "Declan", "Tomás", "Kai",
    "George", "Harold", "Nikolai", "Duc", "Samuel",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Harris",
    "Lee",
    "Ryan",
    "Robinson",
    "Kelly",
    "King",
    "Davis",
    "Wright",
    "Evans",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Chen",
    "O'Brien",
    "Murphy",
    "Papadopoulos",
    "Rossi",
    "Kowalski",
    "Singh",
    "MacDonald",
    "Tran",
    "Hughes",
    "Edwards",
];
const SUBURBS: &[(&str, &str, &str)] = &[
    ("Newtown", "NSW", "2042"),
    ("Marrickville", "NSW", "2204"),
    ("Parramatta", "NSW", "2150"),
    ("Bondi", "NSW", "2026"),
    ("Manly", "NSW", "2095"),
    ("Chatswood", "NSW", "2067"),
    ("Fitzroy", "VIC", "3065"),
    ("Brunswick", "VIC", "3056"),
    ("St Kilda", "VIC", "3182"),
    ("Paddington", "QLD", "4064"),
    ("Fremantle", "WA", "6160"),
    ("Glenelg", "SA", "5045"),
    ("Sandy Bay", "TAS", "7005"),
    ("Braddon", "ACT", "2612"),
];
const STREETS: &[&str] = &[
    "King St",
    "Enmore Rd",
    "Church St",
    "Campbell Pde",
    "Pittwater Rd",
    "Victoria Ave",
    "Brunswick St",
    "Sydney Rd",
    "Acland St",
    "Given Tce",
    "High St",
    "Jetty Rd",
    "Lonsdale St",
];
const OCCUPATIONS: &[&str] = &[
    "Teacher",
    "Nurse",
    "Electrician",
    "Software engineer",
    "Retired",
    "Student",
    "Barista",
    "Accountant",
    "Carpenter",
    "Graphic designer",
    "Chef",
    "Public servant",
    "Physiotherapist",
];
const REFERRALS: &[&str] = &[
    "GP referral",
    "Google search",
    "Friend or family",
    "Instagram",
    "Returning patient",
    "Health fund",
];

fn medicare(rng: &mut StdRng) -> String {
    const W: [u32; 8] = [1, 3, 7, 9, 1, 3, 7, 9];
    let mut d: Vec<u32> = vec![rng.gen_range(2..=6)];
    d.extend((0..7).map(|_| rng.gen_range(0..=9)));
    let check = d.iter().zip(W).map(|(a, w)| a * w).sum::<u32>() % 10;
    d.push(check);
    d.push(rng.gen_range(1..=9));
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

pub(super) fn demo_patient(rng: &mut StdRng, i: usize) -> PatientInput {
    let female = rng.gen_bool(0.52);
    let first = *(if female { FIRST_F } else { FIRST_M })
        .choose(rng)
        .unwrap_or(&"Alex");
    let last = *LAST.choose(rng).unwrap_or(&"Smith");
    let (suburb, state, postcode) = *SUBURBS.choose(rng).unwrap_or(&SUBURBS[0]);
    let dob = NaiveDate::from_ymd_opt(
        rng.gen_range(1938..=2020),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    );
    let mobile = format!(
        "04{:02} {:03} {:03}",
        rng.gen_range(0..100),
        rng.gen_range(0..1000),
        rng.gen_range(0..1000)
    );
    let ascii_first: String = first.chars().filter(char::is_ascii_alphabetic).collect();
    let ascii_last: String = last.chars().filter(char::is_ascii_alphabetic).collect();
    let email = format!(
        "{}.{}{}@example.com",
        ascii_first.to_lowercase(),
        ascii_last.to_lowercase(),
        i
    );
    let mut phones = vec![PhoneNumber {
        phone_type: PhoneType::Mobile,
        number: mobile,
    }];
    if rng.gen_bool(0.2) {
        phones.push(PhoneNumber {
            phone_type: PhoneType::Home,
            number: format!(
                "(02) 9{:03} {:04}",
                rng.gen_range(0..1000),
                rng.gen_range(0..10000)
            ),
        });
    }
    PatientInput {
        title: Some(if female { "Ms" } else { "Mr" }.into()).filter(|_| rng.gen_bool(0.6)),
        first_name: first.into(),
        last_name: last.into(),
        preferred_name: None,
        date_of_birth: dob,
        sex: Some(if female { Sex::Female } else { Sex::Male }),
        gender_identity: None,
        pronouns: Some(if female { "she/her" } else { "he/him" }.into())
            .filter(|_| rng.gen_bool(0.3)),
        email: Some(email),
        phone_numbers: phones,
        address: Address {
            line1: Some(format!(
                "{} {}",
                rng.gen_range(1..300),
                STREETS.choose(rng).unwrap_or(&"High St")
            )),
            line2: None,
            line3: None,
            city: Some(suburb.into()),
            state: Some(state.into()),
            postcode: Some(postcode.into()),
            country: Some("Australia".into()),
        },
        medicare_number: Some(medicare(rng)[..10].to_owned()),
        medicare_irn: Some(rng.gen_range(1..=5).to_string()),
        emergency_contact: rng.gen_bool(0.7).then(|| EmergencyContact {
            name: format!("{} {last}", FIRST_F.choose(rng).unwrap_or(&"Sam")),
            relationship: Some(
                ["Partner", "Parent", "Sibling", "Friend"]
                    .choose(rng)
                    .unwrap_or(&"Partner")
                    .to_string(),
            ),
            phone: Some(format!(
                "04{:02} {:03} {:03}",
                rng.gen_range(0..100),
                rng.gen_range(0..1000),
                rng.gen_range(0..1000)
            )),
        }),
        occupation: OCCUPATIONS.choose(rng).map(|s| s.to_string()),
        referral_source: REFERRALS.choose(rng).map(|s| s.to_string()),
        notes: None,
    }
}
