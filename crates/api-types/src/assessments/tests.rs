//! Scoring checked at every band boundary of every instrument, with the item flags and the
//! refusal of wrong answers.

use super::instruments::{DASS_ANXIETY, DASS_DEPRESSION, DASS_STRESS};
use super::scoring::dass_band;
use super::*;

/// Answers for `instrument` that total `score` (items filled from the first), with every
/// other item at the scale's lowest.
fn answers_totalling(instrument: Instrument, score: u32) -> Vec<u8> {
    let d = instrument.definition();
    let lo = d.choices[0].value;
    let hi = d.choices[d.choices.len() - 1].value;
    let mut left = score - u32::from(lo) * d.items.len() as u32;
    (0..d.items.len())
        .map(|_| {
            let extra = left.min(u32::from(hi - lo));
            left -= extra;
            lo + extra as u8
        })
        .collect()
}

fn code(instrument: Instrument, total: u32) -> String {
    score(instrument, &answers_totalling(instrument, total))
        .unwrap()
        .severity
        .code
}

#[test]
fn phq9_bands_at_every_boundary() {
    for (total, band) in [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ] {
        assert_eq!(code(Instrument::Phq9, total), band, "PHQ-9 {total}");
    }
}

#[test]
fn gad7_bands_at_every_boundary() {
    for (total, band) in [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ] {
        assert_eq!(code(Instrument::Gad7, total), band, "GAD-7 {total}");
    }
}

#[test]
fn k10_bands_at_every_boundary() {
    for (total, band) in [
        (10, "likely_well"),
        (19, "likely_well"),
        (20, "mild"),
        (24, "mild"),
        (25, "moderate"),
        (29, "moderate"),
        (30, "severe"),
        (50, "severe"),
    ] {
        assert_eq!(code(Instrument::K10, total), band, "K10 {total}");
    }
}

/// DASS-21 answers with the given raw sums on the depression, anxiety and stress items.
fn dass(depression: u32, anxiety: u32, stress: u32) -> Scored {
    let mut answers = [0u8; 21];
    for (items, mut left) in [
        (DASS_DEPRESSION, depression),
        (DASS_ANXIETY, anxiety),
        (DASS_STRESS, stress),
    ] {
        for i in items {
            let a = left.min(3);
            left -= a;
            answers[i - 1] = a as u8;
        }
    }
    score(Instrument::Dass21, &answers).unwrap()
}

#[test]
fn dass21_scales_are_doubled_and_banded_at_every_boundary() {
    // (doubled score, band) per scale: each boundary and the ends.
    let depression = [
        (0, "normal"),
        (8, "normal"),
        (10, "mild"),
        (12, "mild"),
        (14, "moderate"),
        (20, "moderate"),
        (22, "severe"),
        (26, "severe"),
        (28, "extremely_severe"),
        (42, "extremely_severe"),
    ];
    for (s, band) in depression {
        let r = dass(s / 2, 0, 0);
        assert_eq!(r.subscales[0].score, s);
        assert_eq!(r.subscales[0].severity.code, band, "depression {s}");
    }
    let anxiety = [
        (0, "normal"),
        (6, "normal"),
        (8, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (16, "severe"),
        (18, "severe"),
        (20, "extremely_severe"),
        (42, "extremely_severe"),
    ];
    for (s, band) in anxiety {
        let r = dass(0, s / 2, 0);
        assert_eq!(r.subscales[1].severity.code, band, "anxiety {s}");
    }
    let stress = [
        (0, "normal"),
        (14, "normal"),
        (16, "mild"),
        (18, "mild"),
        (20, "moderate"),
        (24, "moderate"),
        (26, "severe"),
        (32, "severe"),
        (34, "extremely_severe"),
        (42, "extremely_severe"),
    ];
    for (s, band) in stress {
        let r = dass(0, 0, s / 2);
        assert_eq!(r.subscales[2].severity.code, band, "stress {s}");
    }
    // Odd cut-offs are unreachable with doubled scores; the bands still cover them.
    assert_eq!(dass_band(9, [9, 13, 20, 27]).code, "normal");
    assert_eq!(dass_band(13, [9, 13, 20, 27]).code, "mild");
    assert_eq!(dass_band(21, [9, 13, 20, 27]).code, "severe");
    assert_eq!(dass_band(27, [9, 13, 20, 27]).code, "severe");
    assert_eq!(dass_band(7, [7, 9, 14, 19]).code, "normal");
    assert_eq!(dass_band(9, [7, 9, 14, 19]).code, "mild");
    assert_eq!(dass_band(15, [7, 9, 14, 19]).code, "severe");
    assert_eq!(dass_band(19, [7, 9, 14, 19]).code, "severe");
    assert_eq!(dass_band(15, [14, 18, 25, 33]).code, "mild");
    assert_eq!(dass_band(19, [14, 18, 25, 33]).code, "moderate");
    assert_eq!(dass_band(25, [14, 18, 25, 33]).code, "moderate");
    assert_eq!(dass_band(33, [14, 18, 25, 33]).code, "severe");
    // The overall severity is the worst scale's; the total is every item doubled.
    let r = dass(2, 8, 1);
    assert_eq!(r.score, 22);
    assert_eq!(r.severity.code, "severe");
    assert_eq!(r.severity.level, 3);
}

#[test]
fn dass21_items_belong_to_one_scale_each() {
    let mut all: Vec<usize> = DASS_DEPRESSION
        .iter()
        .chain(&DASS_ANXIETY)
        .chain(&DASS_STRESS)
        .copied()
        .collect();
    all.sort_unstable();
    assert_eq!(all, (1..=21).collect::<Vec<_>>());
}

#[test]
fn phq9_item_9_above_zero_is_an_urgent_flag_whatever_the_total() {
    let mut answers = [0u8; 9];
    assert!(score(Instrument::Phq9, &answers).unwrap().flags.is_empty());
    answers[8] = 1;
    let r = score(Instrument::Phq9, &answers).unwrap();
    assert_eq!(r.score, 1);
    assert_eq!(r.severity.code, "minimal");
    assert_eq!(r.flags.len(), 1);
    assert_eq!(r.flags[0].item, 9);
    assert_eq!(r.flags[0].code, "self_harm_thoughts");
    assert!(r.flags[0].urgent);
}

#[test]
fn k10_and_dass21_flag_their_items() {
    let mut k = [1u8; 10];
    k[3] = 4;
    k[9] = 5;
    let r = score(Instrument::K10, &k).unwrap();
    let codes: Vec<&str> = r.flags.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["hopelessness", "worthlessness"]);
    assert!(r.flags.iter().all(|f| !f.urgent));
    let mut d = [0u8; 21];
    d[20] = 2;
    assert_eq!(score(Instrument::Dass21, &d).unwrap().flags[0].item, 21);
    d[20] = 1;
    assert!(score(Instrument::Dass21, &d).unwrap().flags.is_empty());
}

#[test]
fn wrong_answers_are_refused_with_the_item() {
    let e = score(Instrument::Phq9, &[0; 8]).unwrap_err();
    assert_eq!(e[0].code, "wrong_count");
    let mut a = [0u8; 9];
    a[2] = 4;
    let e = score(Instrument::Phq9, &a).unwrap_err();
    assert_eq!(e[0].field, "answers[2]");
    // K10 starts at 1.
    let e = score(Instrument::K10, &[0; 10]).unwrap_err();
    assert_eq!(e.len(), 10);
}

#[test]
fn every_total_in_range_scores_within_range() {
    for instrument in [Instrument::Phq9, Instrument::Gad7, Instrument::K10] {
        let (lo, hi) = instrument.range();
        for total in lo..=hi {
            let r = score(instrument, &answers_totalling(instrument, total)).unwrap();
            assert_eq!(r.score, total);
            assert!(r.severity.level <= 4);
        }
    }
    let all_high = [3u8; 21];
    assert_eq!(score(Instrument::Dass21, &all_high).unwrap().score, 126);
}

#[test]
fn bands_cover_the_range_without_gaps() {
    let phq: Vec<(u32, u32)> = bands(Instrument::Phq9).iter().map(|b| (b.0, b.1)).collect();
    assert_eq!(phq, [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]);
    let k10: Vec<(u32, u32)> = bands(Instrument::K10).iter().map(|b| (b.0, b.1)).collect();
    assert_eq!(k10, [(10, 19), (20, 24), (25, 29), (30, 50)]);
    assert_eq!(bands(Instrument::Gad7).len(), 4);
    assert!(bands(Instrument::Dass21).is_empty());
}

#[test]
fn definitions_match_their_instruments() {
    for i in Instrument::ALL {
        let d = i.definition();
        assert_eq!(d.instrument, i);
        assert_eq!(Instrument::parse(i.as_str()), Some(i));
        let expected = match i {
            Instrument::Phq9 => 9,
            Instrument::Gad7 => 7,
            Instrument::K10 => 10,
            Instrument::Dass21 => 21,
        };
        assert_eq!(d.items.len(), expected);
    }
}
