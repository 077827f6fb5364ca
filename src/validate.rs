//! `fitmate validate`: every fault of every document, with where it is.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fitmate_model::rules::{Code, Fault, Report};
use fitmate_model::{ApiVersion, Endpoint, malformed};
use serde::Serialize;
use serde::de::IgnoredAny;

/// How to print the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// One line per fault, for people.
    Text,
    /// One JSON object with every document's result, for machines.
    Json,
}

/// One document of a file, and its verdict.
#[derive(Debug, Serialize)]
struct Checked {
    file: String,
    /// 1-based position of the document in its file.
    document: usize,
    /// 1-based line the document starts on.
    line: usize,
    valid: bool,
    errors: Vec<Fault>,
}

#[derive(Debug, Serialize)]
struct Summary<'a> {
    version: ApiVersion,
    endpoint: &'static str,
    documents: usize,
    invalid: usize,
    results: &'a [Checked],
}

pub(crate) fn run(
    version: ApiVersion,
    endpoint: Endpoint,
    format: Format,
    files: &[PathBuf],
) -> ExitCode {
    let mut results = Vec::new();
    for file in files {
        let bytes = match read(file) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("fitmate validate: cannot read {}: {error}", file.display());
                return ExitCode::from(2);
            }
        };
        let name = if file == Path::new("-") {
            "<stdin>".to_owned()
        } else {
            file.display().to_string()
        };
        for (index, (line, verdict)) in documents(&bytes)
            .into_iter()
            .map(|(line, doc)| (line, doc.and_then(|d| endpoint.check(version, d))))
            .enumerate()
        {
            let errors = verdict.err().map(Report::into_faults).unwrap_or_default();
            results.push(Checked {
                file: name.clone(),
                document: index + 1,
                line,
                valid: errors.is_empty(),
                errors,
            });
        }
    }
    let invalid = results.iter().filter(|r| !r.valid).count();
    let printed = match format {
        Format::Text => print_text(&results),
        Format::Json => print_json(&Summary {
            version,
            endpoint: endpoint.as_str(),
            documents: results.len(),
            invalid,
            results: &results,
        }),
    };
    if let Err(error) = printed {
        if error.kind() == io::ErrorKind::BrokenPipe {
            return ExitCode::from(if invalid > 0 { 1 } else { 0 });
        }
        eprintln!("fitmate validate: {error}");
        return ExitCode::from(2);
    }
    ExitCode::from(if invalid > 0 { 1 } else { 0 })
}

fn read(file: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(file)?;
    }
    Ok(bytes)
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

type Document<'a> = Result<&'a [u8], Report>;

/// Splits a file into its documents, each with the line it starts on. A file is a stream
/// of JSON values (one document, NDJSON, or pretty-printed documents one after the other);
/// if it breaks off, a file whose first line is a whole document is NDJSON and read line by
/// line, so one bad line does not hide the others; otherwise it is one malformed document.
fn documents(bytes: &[u8]) -> Vec<(usize, Document<'_>)> {
    let mut found = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
    let mut start = 0;
    loop {
        match stream.next() {
            None => return found,
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                let first = start
                    + bytes[start..end]
                        .iter()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                found.push((line_of(bytes, first), Ok(&bytes[first..end])));
                start = end;
            }
            Some(Err(error)) => {
                let first_line = bytes
                    .split(|b| *b == b'\n')
                    .find(|l| !l.iter().all(u8::is_ascii_whitespace));
                let ndjson =
                    first_line.is_some_and(|l| serde_json::from_slice::<IgnoredAny>(l).is_ok());
                if ndjson {
                    return by_lines(bytes);
                }
                let fault = Fault::new("", Code::InvalidJson, malformed(&error));
                return vec![(error.line().max(1), Err(fault.into()))];
            }
        }
    }
}

fn by_lines(bytes: &[u8]) -> Vec<(usize, Document<'_>)> {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| (i + 1, Ok(line)))
        .collect()
}

fn print_text(results: &[Checked]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for result in results.iter().filter(|r| !r.valid) {
        for fault in &result.errors {
            let field = if fault.field.is_empty() {
                "(body)"
            } else {
                fault.field.as_str()
            };
            writeln!(
                out,
                "{}:{}: document {}: {field}: {} [{}]",
                result.file, result.line, result.document, fault.message, fault.code
            )?;
        }
    }
    let invalid = results.iter().filter(|r| !r.valid).count();
    writeln!(
        out,
        "{} document(s) checked, {} valid, {invalid} invalid",
        results.len(),
        results.len() - invalid
    )
}

fn print_json(summary: &Summary<'_>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, summary)?;
    writeln!(out)
}
