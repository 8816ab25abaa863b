//! Documents and imaging through the API: patients add to their own record, staff file imaging
//! studies with their files, removal rules, and the export that carries every file.

use std::io::Read;

use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::notes::clinic;

#[tokio::test]
async fn patients_add_documents_staff_file_imaging_and_the_export_carries_them() {
    let c = clinic().await;
    let docs = format!("/api/v1/patients/{}/documents", c.patient_id);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01".to_vec();
    let res = c
        .upload(
            &format!("{docs}?filename=rash.jpeg&kind=other&description=Rash%20on%20arm"),
            &c.patient.token,
            png.clone(),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let mine: Value = res.json().await.unwrap();
    assert_eq!(
        mine["name"], "rash.png",
        "the extension follows the content"
    );
    assert_eq!(mine["source"], "patient");
    assert_eq!(mine["description"], "Rash on arm");

    // A patient cannot file under a study; staff can, and the study lists its files.
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/imaging-studies", c.patient_id),
            Some(&c.practitioner.token),
            json!({"modality": "MRI", "body_part": "Left knee", "study_date": "2026-11-20",
                   "facility": "City Imaging", "report": "Small effusion. No tear."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let study: Value = res.json().await.unwrap();
    let study_id = study["id"].as_str().unwrap();
    let res = c
        .upload(
            &format!("{docs}?filename=x.txt&study_id={study_id}"),
            &c.patient.token,
            b"x".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut dicom = vec![0u8; 128];
    dicom.extend_from_slice(b"DICM\x02\x00\x00\x00");
    let res = c
        .upload(
            &format!("{docs}?filename=IM0001&study_id={study_id}"),
            &c.practitioner.token,
            dicom.clone(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let studies: Vec<Value> = c
        .app
        .get(
            &format!("/api/v1/patients/{}/imaging-studies", c.patient_id),
            &c.patient.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0]["modality"], "MRI");
    assert_eq!(studies[0]["report"], "Small effusion. No tear.");
    assert_eq!(studies[0]["files"][0]["media_type"], "application/dicom");
    assert_eq!(studies[0]["files"][0]["previewable"], false);
    let future = json!({"modality": "CT", "body_part": "Head", "study_date": "2999-01-01"});
    let res = c
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/imaging-studies/{study_id}"),
            Some(&c.practitioner.token),
            Some(future),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Documents list the patient's own files (not study files); staff see them too.
    let page: Value = c.app.get(&docs, &c.nurse.token).await.json().await.unwrap();
    assert_eq!(page["total"], 1);
    // A signed note with an attachment, and a draft whose attachment is not yet in the record.
    let signed = c.draft("Signed", "<p>Kept</p>").await;
    let signed_id = signed["id"].as_str().unwrap();
    let res = c
        .upload(
            &format!("/api/v1/notes/{signed_id}/attachments?filename=plan.txt"),
            &c.practitioner.token,
            b"Exercise plan".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    c.app
        .post(
            &format!("/api/v1/notes/{signed_id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    let draft = c.draft("Unsigned", "<p>Draft</p>").await;
    let res = c
        .upload(
            &format!(
                "/api/v1/notes/{}/attachments?filename=draft.txt",
                draft["id"].as_str().unwrap()
            ),
            &c.practitioner.token,
            b"not yet".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = c
        .app
        .get(
            &format!("/api/v1/patients/{}/export", c.patient_id),
            &c.patient.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    assert!(
        names.contains(&"documents/001 rash.png".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"documents/002 IM0001.dcm".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"documents/003 plan.txt".to_owned()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("draft")), "{names:?}");
    let mut png_back = Vec::new();
    zip.by_name("documents/001 rash.png")
        .unwrap()
        .read_to_end(&mut png_back)
        .unwrap();
    assert_eq!(png_back, png);
    let mut record = String::new();
    zip.by_name("record.json")
        .unwrap()
        .read_to_string(&mut record)
        .unwrap();
    let record: Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["notes"].as_array().unwrap().len(), 1);
    assert_eq!(record["notes"][0]["title"], "Signed");
    assert_eq!(record["imaging_studies"][0]["body_part"], "Left knee");
    assert_eq!(record["documents"].as_array().unwrap().len(), 3);

    // The patient removes their own upload; not the practitioner's study file.
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!(
                "/api/v1/documents/{}",
                studies[0]["files"][0]["id"].as_str().unwrap()
            ),
            Some(&c.patient.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/documents/{}", mine["id"].as_str().unwrap()),
            Some(&c.patient.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = c
        .app
        .get(
            &format!("/api/v1/documents/{}/content", mine["id"].as_str().unwrap()),
            &c.patient.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page: Value = c.app.get(&docs, &c.nurse.token).await.json().await.unwrap();
    assert_eq!(page["total"], 0);

    // Reception sees none of it.
    let reception = c.app.user(Role::Receptionist).await;
    assert_eq!(
        c.app.get(&docs, &reception.token).await.status(),
        StatusCode::FORBIDDEN
    );
}
