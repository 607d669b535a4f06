//! The Prometheus HTTP API's JSON answers (`gclens fleet`): a range query's matrix, an
//! instant query's vector, the series API's label sets. Values come as strings
//! (`"1.5"`, `"NaN"`, `"+Inf"`); a point that is not a finite number is left out. An
//! answer that is not the API's (`status` other than `success`, another result type)
//! is an error that says what came.

use crate::model::fleet::{Labels, Series};
use serde::Deserialize;

#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    #[serde(default = "Option::default")]
    data: Option<T>,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    kind: String,
    result: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    metric: Labels,
    #[serde(default)]
    values: Vec<(f64, String)>,
    #[serde(default)]
    value: Option<(f64, String)>,
}

fn open<T: for<'de> Deserialize<'de>>(body: &[u8]) -> anyhow::Result<T> {
    let e: Envelope<T> = serde_json::from_slice(body).map_err(|e| {
        anyhow::anyhow!(
            "the answer is not the Prometheus API's JSON ({e}): is this the Prometheus URL?"
        )
    })?;
    if e.status != "success" {
        anyhow::bail!("Prometheus answered {}: {}", e.status, e.error);
    }
    e.data
        .ok_or_else(|| anyhow::anyhow!("Prometheus answered success without data"))
}

fn number(v: &str) -> Option<f64> {
    v.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn without_name(mut l: Labels) -> Labels {
    l.remove("__name__");
    l
}

/// The series of a range query (`resultType: matrix`).
pub fn matrix(body: &[u8]) -> anyhow::Result<Vec<Series>> {
    let d: Data = open(body)?;
    anyhow::ensure!(
        d.kind == "matrix",
        "a range query answered a {}, not a matrix",
        d.kind
    );
    Ok(d.result
        .into_iter()
        .map(|i| Series {
            labels: without_name(i.metric),
            points: i
                .values
                .iter()
                .filter_map(|(t, v)| Some((*t, number(v)?)))
                .collect(),
        })
        .collect())
}

/// The samples of an instant query (`resultType: vector`): labels and value.
pub fn vector(body: &[u8]) -> anyhow::Result<Vec<(Labels, f64)>> {
    let d: Data = open(body)?;
    anyhow::ensure!(
        d.kind == "vector",
        "an instant query answered a {}, not a vector",
        d.kind
    );
    Ok(d.result
        .into_iter()
        .filter_map(|i| Some((without_name(i.metric), number(&i.value?.1)?)))
        .collect())
}

/// The label sets of the series API (`/api/v1/series`).
pub fn series(body: &[u8]) -> anyhow::Result<Vec<Labels>> {
    let d: Vec<Labels> = open(body)?;
    Ok(d.into_iter().map(without_name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_vectors_and_label_sets() {
        let m = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"go_goroutines","job":"api","instance":"a:1"},
             "values":[[1700000000,"12"],[1700000060,"NaN"],[1700000120.5,"14"]]}]}}"#;
        let s = matrix(m).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].labels.get("job").map(String::as_str), Some("api"));
        assert!(!s[0].labels.contains_key("__name__"));
        assert_eq!(s[0].points, vec![(1.7e9, 12.0), (1_700_000_120.5, 14.0)]);
        let v = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"pod":"p"},"value":[1700000000,"536870912"]}]}}"#;
        assert_eq!(vector(v).unwrap()[0].1, 536_870_912.0);
        assert!(matrix(v).unwrap_err().to_string().contains("vector"));
        let l = br#"{"status":"success","data":[{"__name__":"up","job":"x"}]}"#;
        assert_eq!(series(l).unwrap()[0].len(), 1);
        let e = br#"{"status":"error","errorType":"bad_data","error":"bad"}"#;
        assert!(matrix(e).unwrap_err().to_string().contains("bad"));
        assert!(
            matrix(b"<html>")
                .unwrap_err()
                .to_string()
                .contains("Prometheus URL")
        );
    }
}
