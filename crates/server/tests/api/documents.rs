//! Documents and imaging through the API: patients add to their own record, staff file imaging
//! studies with their files, removal rules, and the export that carries every file.

use std::io::Read;

use api_types::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
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

/// A file of `len` bytes of `kind`'s content that no piece repeats.
fn varied(header: &[u8], len: usize) -> Vec<u8> {
    let mut bytes = header.to_vec();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

#[tokio::test]
async fn a_large_file_is_kept_in_encrypted_pieces_and_comes_back_whole_or_not_at_all() {
    let c = clinic().await;
    let docs = format!("/api/v1/patients/{}/documents", c.patient_id);
    // Uploads a file as the practitioner.
    let upload = async |name: &str, bytes: Vec<u8>| {
        let path = format!("{docs}?filename={name}");
        c.upload(&path, &c.practitioner.token, bytes).await
    };
    let db = &c.app.state.db;
    let backend = db.get_database_backend();
    // A statement about one document, its id bound (`$1`, or `?` on SQLite).
    let about = |sql: &str, id: &str| {
        let sql = match backend {
            sea_orm::DbBackend::Postgres => sql.to_owned(),
            _ => sql.replace('$', "?").replace("?1", "?"),
        };
        Statement::from_sql_and_values(backend, sql, [uuid::Uuid::parse_str(id).unwrap().into()])
    };
    let pieces_of = |id: String| {
        let query = about(
            "SELECT seq, data FROM document_chunks WHERE document_id = $1 ORDER BY seq",
            &id,
        );
        async move {
            db.query_all_raw(query)
                .await
                .unwrap()
                .into_iter()
                .map(|r| {
                    let seq: i16 = r.try_get("", "seq").unwrap();
                    let data: Vec<u8> = r.try_get("", "data").unwrap();
                    (seq, data)
                })
                .collect::<Vec<_>>()
        }
    };
    // A 1.1 MB PDF: five pieces of at most 256 KiB, none holding the content in the clear.
    let pdf = varied(b"%PDF-1.7\n", 1_100_000);
    let res = upload("scan.pdf", pdf.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let doc: Value = res.json().await.unwrap();
    let id = doc["id"].as_str().unwrap().to_owned();
    assert_eq!(doc["size_bytes"], 1_100_000);
    let stored = pieces_of(id.clone()).await;
    assert_eq!(
        stored.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    for (_, data) in &stored {
        assert!(!data.windows(16).any(|w| w == &pdf[1000..1016]));
    }
    let content = format!("/api/v1/documents/{id}/content");
    let res = c.app.get(&content, &c.practitioner.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-length"], "1100000");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

    // Text and Word files are confirmed from the whole file, whatever piece a character or
    // the archive's directory falls in.
    let text = "Tension artérielle — matin ✓\n".repeat(30_000).into_bytes();
    assert!(text.len() > 3 * 256 * 1024);
    let res = upload("diary", text.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let diary: Value = res.json().await.unwrap();
    assert_eq!(diary["media_type"], "text/plain");
    let mut not_text = text.clone();
    not_text.extend_from_slice(b"\0");
    let res = upload("diary", not_text).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let docx = {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("[Content_Types].xml", stored).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("word/media/image1.png", stored).unwrap();
        z.write_all(&varied(b"\x89PNG", 600_000)).unwrap();
        z.start_file("word/document.xml", stored).unwrap();
        z.write_all(b"<w:document/>").unwrap();
        z.finish().unwrap();
        out.into_inner()
    };
    let res = upload("letter.docx", docx.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let letter: Value = res.json().await.unwrap();
    assert_eq!(letter["name"], "letter.docx");
    let res = c
        .app
        .get(
            &format!(
                "/api/v1/documents/{}/content",
                letter["id"].as_str().unwrap()
            ),
            &c.practitioner.token,
        )
        .await;
    assert_eq!(res.bytes().await.unwrap().to_vec(), docx);

    // A file kept whole, as files were before they were kept in pieces, still reads.
    let crypto = &c.app.state.crypto;
    let whole = crypto
        .encrypt_bytes(&pdf, &format!("documents.data:{id}"))
        .unwrap();
    db.execute_raw(about(
        "DELETE FROM document_chunks WHERE document_id = $1",
        &id,
    ))
    .await
    .unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO document_blobs (document_id, data) VALUES ($1, $2)"
            }
            _ => "INSERT INTO document_blobs (document_id, data) VALUES (?, ?)",
        },
        [uuid::Uuid::parse_str(&id).unwrap().into(), whole.into()],
    ))
    .await
    .unwrap();
    let res = c.app.get(&content, &c.practitioner.token).await;
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

    // The patient's export carries each file whole, written into the archive piece by piece.
    let export = format!("/api/v1/patients/{}/export", c.patient_id);
    let res = c.app.get(&export, &c.patient.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    for (suffix, expected) in [
        (" scan.pdf", &pdf),
        (" diary.txt", &text),
        (" letter.docx", &docx),
    ] {
        let name = names
            .iter()
            .find(|n| n.starts_with("documents/") && n.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} not in {names:?}"));
        let mut back = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut back).unwrap();
        assert!(back == *expected, "{name} differs");
    }

    // A file missing a piece is never passed off as whole: the transfer ends short, and so does
    // an export holding it.
    let res = upload("scan.pdf", pdf.clone()).await;
    let second: Value = res.json().await.unwrap();
    let second = second["id"].as_str().unwrap().to_owned();
    db.execute_raw(about(
        "DELETE FROM document_chunks WHERE document_id = $1 AND seq = 2",
        &second,
    ))
    .await
    .unwrap();
    let res = c
        .app
        .get(
            &format!("/api/v1/documents/{second}/content"),
            &c.practitioner.token,
        )
        .await;
    assert!(
        res.bytes().await.is_err(),
        "a response shorter than its declared length"
    );
    let res = c.app.get(&export, &c.patient.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.bytes().await.is_err(),
        "an archive ended without its directory"
    );
}
