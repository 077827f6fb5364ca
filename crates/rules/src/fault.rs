//! Faults and reports: what a rejected value or payload says about itself.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// The stable, machine-readable name of a broken rule.
        ///
        /// Codes are part of the API contract: a code is never renamed or reused for another
        /// rule. New codes may be added, so match with a wildcard arm.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* #[serde(rename = $text)] $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as it appears in error bodies, e.g. `invalid_height`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
        }
    };
}

codes! {
    /// A required field is absent.
    Required = "required",
    /// A field was sent as JSON `null`; omit it instead.
    NullNotAllowed = "null_not_allowed",
    /// A field has the wrong JSON type (a number where a string belongs, say).
    InvalidType = "invalid_type",
    /// A field the endpoint does not know; typos are rejected, never dropped.
    UnknownField = "unknown_field",
    /// The same field appears twice in one object.
    DuplicateField = "duplicate_field",
    /// A known field that this endpoint and version may not change.
    NotUpdatable = "not_updatable",
    /// The body is not valid JSON.
    InvalidJson = "invalid_json",
    /// The body is valid JSON but not an object.
    NotAnObject = "not_an_object",
    /// The project update wrapper `update` is missing, not an object or empty.
    MissingData = "missing_data",
    /// Not a valid email address.
    InvalidEmail = "invalid_email",
    /// Not a valid phone number.
    InvalidPhone = "invalid_phone",
    /// A name is empty, too long or holds control characters.
    InvalidName = "invalid_name",
    /// A free-text field is too long or holds control characters.
    InvalidText = "invalid_text",
    /// Not a real calendar date in the expected format.
    InvalidDate = "invalid_date",
    /// A date of birth in the future.
    DateInFuture = "date_in_future",
    /// A date of birth before 1900-01-01.
    DateTooEarly = "date_too_early",
    /// `gender` is not `male` or `female`.
    InvalidGender = "invalid_gender",
    /// `sex` is not `male`, `female` or `intersex`.
    InvalidSex = "invalid_sex",
    /// A height that does not look like `5ft 6in`.
    InvalidHeight = "invalid_height",
    /// A weight that is not a number of pounds above 0 and at most 1500.
    InvalidWeight = "invalid_weight",
    /// `diabetes` is not 0, 1, 2 or 3.
    InvalidDiabetes = "invalid_diabetes",
    /// `paymentPlan` is not 1, 6 or 12.
    InvalidPaymentPlan = "invalid_payment_plan",
    /// `medicalClearance` is not `full`, `low` or `nutrition`.
    InvalidMedicalClearance = "invalid_medical_clearance",
    /// Metadata is not a JSON object.
    InvalidMetadata = "invalid_metadata",
    /// Metadata has more than 50 keys.
    MetadataTooManyKeys = "metadata_too_many_keys",
    /// A metadata key is empty or longer than 40 characters.
    MetadataKeyLength = "metadata_key_length",
    /// Metadata is larger than 8 KiB once serialised.
    MetadataTooLarge = "metadata_too_large",
    /// Metadata nests deeper than 5 levels.
    MetadataTooDeep = "metadata_too_deep",
    /// A string inside metadata holds the NUL character.
    MetadataNul = "metadata_nul",
    /// A username that is empty after sanitising or longer than 30 characters.
    InvalidUsername = "invalid_username",
    /// Not an http or https URL of at most 2048 characters.
    InvalidUrl = "invalid_url",
    /// A location that is not `{longitude, latitude}` within range.
    InvalidCoordinates = "invalid_coordinates",
    /// Latitude out of range while the pair would be valid the other way round.
    CoordinatesSwapped = "coordinates_swapped",
    /// `sex` and the deprecated `gender` are both given and disagree.
    SexGenderMismatch = "sex_gender_mismatch",
    /// `currentWeight` and the deprecated `weight` are both given and disagree.
    WeightMismatch = "weight_mismatch",
    /// `pregnant` is true for a male user.
    PregnantMale = "pregnant_male",
    /// Another user of the project has this email address.
    EmailTaken = "email_taken",
    /// Another user of the project has this phone number.
    PhoneTaken = "phone_taken",
    /// Another user of the project has this username.
    UsernameTaken = "username_taken",
    /// The project's validation webhook rejected the update (its message is the fault's).
    ValidationFailed = "validation_failed",
    /// Not the token of a magic link (43 URL-safe characters).
    InvalidToken = "invalid_token",
    /// More faults were found than an answer lists; the message gives how many were left out.
    TooManyFaults = "too_many_faults",
    /// The `Idempotency-Key` header is not 1 to 255 printable ASCII characters.
    InvalidIdempotencyKey = "invalid_idempotency_key",
    /// The `Idempotency-Key` was used with another request (method, path, version or body).
    IdempotencyKeyReused = "idempotency_key_reused",
    /// A request with this `Idempotency-Key` is still running; retry after it ends.
    IdempotencyKeyInUse = "idempotency_key_in_use",
    /// `Prefer: code=NNN` names no documented answer of the endpoint (sandbox projects).
    InvalidPrefer = "invalid_prefer",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one value breaks a rule, before it is known which field held it.
///
/// Made by the parsers of this crate (`"6ft 13in".parse::<Height>()`); a [`Fault`] adds the
/// field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    code: Code,
    detail: Cow<'static, str>,
    sentence: bool,
    at: Option<&'static str>,
    /// A fault of another member of the same value (both members of a location out of range).
    next: Option<Box<RuleError>>,
}

impl RuleError {
    /// A broken rule whose message reads `<field> <detail>`, e.g. `height must look like 5ft 6in`.
    pub fn new(code: Code, detail: impl Into<Cow<'static, str>>) -> Self {
        RuleError {
            code,
            detail: detail.into(),
            sentence: false,
            at: None,
            next: None,
        }
    }

    /// A broken rule whose message is a fixed sentence used as is, such as the documented
    /// `Invalid email address`.
    pub const fn sentence(code: Code, sentence: &'static str) -> Self {
        RuleError {
            code,
            detail: Cow::Borrowed(sentence),
            sentence: true,
            at: None,
            next: None,
        }
    }

    /// The fault lies in a member of the value (`latitude` of a location), not the value whole.
    #[must_use]
    pub fn at(mut self, member: &'static str) -> Self {
        self.at = Some(member);
        self
    }

    /// This fault and then `other`, a fault of another member of the same value: a report
    /// lists both.
    ///
    /// ```
    /// use fitmate_rules::{Code, Report, RuleError};
    /// let both = RuleError::new(Code::InvalidCoordinates, "is out of range -180 to 180")
    ///     .at("longitude")
    ///     .and(RuleError::new(Code::InvalidCoordinates, "is out of range -90 to 90").at("latitude"));
    /// let mut report = Report::new();
    /// report.push_rule("location", &both);
    /// let fields: Vec<_> = report.faults().iter().map(|f| f.field.as_str()).collect();
    /// assert_eq!(fields, ["location.longitude", "location.latitude"]);
    /// ```
    #[must_use]
    pub fn and(mut self, other: RuleError) -> Self {
        self.next = Some(Box::new(match self.next.take() {
            Some(next) => next.and(other),
            None => other,
        }));
        self
    }

    /// The faults this one carries after itself (see [`RuleError::and`]).
    pub fn others(&self) -> impl Iterator<Item = &RuleError> {
        std::iter::successors(self.next.as_deref(), |e| e.next.as_deref())
    }

    /// A value of the wrong JSON type: `expected` says what belongs there.
    pub fn wrong_type(expected: &str, found: &str) -> Self {
        RuleError::new(
            Code::InvalidType,
            format!("must be {expected}, not {found}"),
        )
    }

    /// The value was sent as JSON `null`.
    pub fn null() -> Self {
        RuleError::new(
            Code::NullNotAllowed,
            "must not be null; leave the field out instead",
        )
    }

    /// The stable code of the broken rule.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The member of the value at fault, if the fault is not the value's as a whole.
    pub fn member(&self) -> Option<&'static str> {
        self.at
    }

    /// The message for a field named `field`.
    pub fn message_for(&self, field: &str) -> String {
        if self.sentence {
            return self.detail.clone().into_owned();
        }
        match self.at {
            Some(member) => format!("{member} {}", self.detail),
            None => format!("{field} {}", self.detail),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_for("value"))
    }
}

impl std::error::Error for RuleError {}

/// One fault of a payload: where, which rule, and a sentence for people.
///
/// Serialises as the items of the `errors` array of an error body:
/// `{"field": "height", "code": "invalid_height", "message": "height must look like 5ft 6in"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Fault {
    /// Dotted path of the field, e.g. `email` or `update.location.latitude`; empty for the
    /// body as a whole.
    pub field: String,
    /// The stable code of the broken rule.
    pub code: Code,
    /// A sentence for people; the documented sentences are used verbatim.
    pub message: String,
}

impl Fault {
    /// A fault with an explicit message.
    pub fn new(field: impl Into<String>, code: Code, message: impl Into<String>) -> Self {
        Fault {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The fault of the value held by `field`.
    pub fn from_rule(field: &str, error: &RuleError) -> Self {
        let name = field.rsplit('.').next().unwrap_or(field);
        let path = match error.member() {
            Some(member) => format!("{field}.{member}"),
            None => field.to_owned(),
        };
        Fault {
            message: error.message_for(name),
            field: path,
            code: error.code(),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "[{}] {}", self.code, self.message)
        } else {
            write!(f, "{}: [{}] {}", self.field, self.code, self.message)
        }
    }
}

/// Every fault found in one payload, in the order the fields were checked.
///
/// A report lists at most [`Report::MAX_LISTED`] faults. Past that it counts the rest in one
/// last `too_many_faults` fault, so a body of thousands of bad fields costs a bounded answer.
///
/// ```
/// use fitmate_rules::{Code, Fault, Report};
///
/// let report: Report = (0..150)
///     .map(|i| Fault::new(format!("field{i}"), Code::UnknownField, "not a field"))
///     .collect();
/// assert_eq!(report.len(), Report::MAX_LISTED + 1);
/// let last = report.faults().last().unwrap();
/// assert_eq!(last.code, Code::TooManyFaults);
/// assert_eq!(last.message, "50 more faults were found and not listed");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Report {
    faults: Vec<Fault>,
    /// How many faults were found past the listed ones.
    #[serde(skip)]
    unlisted: usize,
}

impl Report {
    /// The most faults a report lists before it only counts them.
    pub const MAX_LISTED: usize = 100;

    /// An empty report.
    pub const fn new() -> Self {
        Report {
            faults: Vec::new(),
            unlisted: 0,
        }
    }

    /// Adds a fault, or counts it when the report already lists [`Report::MAX_LISTED`].
    pub fn push(&mut self, fault: Fault) {
        self.push_with(|| fault);
    }

    /// Adds the fault that `make` builds, calling it only when the fault will be listed: a
    /// costly message (a did-you-mean search) is made only for the faults an answer shows.
    pub fn push_with(&mut self, make: impl FnOnce() -> Fault) {
        if self.faults.len() < Self::MAX_LISTED {
            self.faults.push(make());
            return;
        }
        self.unlisted += 1;
        let message = format!("{} more faults were found and not listed", self.unlisted);
        match self.faults.get_mut(Self::MAX_LISTED) {
            Some(count) => count.message = message,
            None => self
                .faults
                .push(Fault::new("", Code::TooManyFaults, message)),
        }
    }

    /// Adds the faults of `other`, and counts the faults it only counted.
    pub fn append(&mut self, other: Report) {
        let unlisted = other.unlisted;
        for fault in other.faults {
            if fault.code != Code::TooManyFaults {
                self.push(fault);
            }
        }
        for _ in 0..unlisted {
            self.push_with(|| Fault::new("", Code::TooManyFaults, ""));
        }
    }

    /// Adds the fault of the value held by `field`, and those it carries for other members.
    pub fn push_rule(&mut self, field: &str, error: &RuleError) {
        self.push_with(|| Fault::from_rule(field, error));
        for other in error.others() {
            self.push_with(|| Fault::from_rule(field, other));
        }
    }

    /// True when no fault was found.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The number of faults.
    pub fn len(&self) -> usize {
        self.faults.len()
    }

    /// The faults, in order.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The faults, by value.
    pub fn into_faults(self) -> Vec<Fault> {
        self.faults
    }

    /// The first fault's message: the `message` of an error body.
    pub fn first_message(&self) -> Option<&str> {
        self.faults.first().map(|f| f.message.as_str())
    }

    /// `Ok(value)` when the report is empty, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Report> {
        if self.faults.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<Fault> for Report {
    fn from(fault: Fault) -> Self {
        let mut report = Report::new();
        report.push(fault);
        report
    }
}

impl FromIterator<Fault> for Report {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        let mut report = Report::new();
        report.extend(iter);
        report
    }
}

impl Extend<Fault> for Report {
    fn extend<I: IntoIterator<Item = Fault>>(&mut self, iter: I) {
        for fault in iter {
            self.push(fault);
        }
    }
}

impl IntoIterator for Report {
    type Item = Fault;
    type IntoIter = std::vec::IntoIter<Fault>;
    fn into_iter(self) -> Self::IntoIter {
        self.faults.into_iter()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fault) in self.faults.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{fault}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}
