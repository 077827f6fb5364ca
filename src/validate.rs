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

/// Line numbers of byte offsets, asked for in increasing order: each byte is counted once,
/// so a large file is numbered in one pass.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of `offset`, which is not before the last one asked for.
    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len()).max(self.offset);
        self.line += self.bytes[self.offset..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

type Document<'a> = Result<&'a [u8], Report>;

/// Splits a file into its documents, each with the line it starts on. A file is a stream
/// of JSON values: one document, NDJSON, or pretty-printed documents one after the other.
/// Where a document is not valid JSON it is reported as such, and reading goes on at the
/// next line that opens an object or array in its first column, so one broken document
/// hides none of the others. A file with no document at all is reported too: the API
/// rejects an empty body.
fn documents(bytes: &[u8]) -> Vec<(usize, Document<'_>)> {
    let mut found = Vec::new();
    let mut lines = Lines::new(bytes);
    let mut start = 0;
    'file: while start < bytes.len() {
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<IgnoredAny>();
        let mut from = start;
        loop {
            let next = stream.next();
            let first = from
                + bytes[from..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
            match next {
                None => break 'file,
                Some(Ok(_)) => {
                    let end = start + stream.byte_offset();
                    found.push((lines.at(first), Ok(&bytes[first..end])));
                    from = end;
                }
                Some(Err(error)) => {
                    let resume = next_opening_line(bytes, first);
                    // The document alone, read as the server would read it as a body, so the
                    // position in the message counts from its own first line.
                    let alone = serde_json::from_slice::<IgnoredAny>(&bytes[first..resume]);
                    let error = alone.err().unwrap_or(error);
                    let fault = Fault::new("", Code::InvalidJson, malformed(&error));
                    found.push((lines.at(first), Err(fault.into())));
                    start = resume;
                    continue 'file;
                }
            }
        }
    }
    if found.is_empty() {
        let fault = Fault::new(
            "",
            Code::InvalidJson,
            "the file holds no JSON document (the API rejects an empty body)",
        );
        found.push((1, Err(fault.into())));
    }
    found
}

/// The offset of the first line after the one holding `offset` that starts with `{` or
/// `[`, or the end of the file.
fn next_opening_line(bytes: &[u8], offset: usize) -> usize {
    let mut at = offset;
    while let Some(newline) = bytes[at..].iter().position(|b| *b == b'\n') {
        at += newline + 1;
        if matches!(bytes.get(at), Some(b'{' | b'[')) {
            return at;
        }
    }
    bytes.len()
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
