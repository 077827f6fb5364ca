//! Rules on strings: email, phone number, names, free text, username, avatar URL.

#[cfg(feature = "json-schema")]
use serde_json::json;

use crate::macros::string_rule;
use crate::patterns::{self, is_trimmed};
use crate::{Code, RuleError};

/// The longest email address accepted, in characters (RFC 5321's path limit less the brackets).
pub const EMAIL_MAX_CHARS: usize = 254;
/// The longest name accepted, in characters, once trimmed.
pub const NAME_MAX_CHARS: usize = 100;
/// The longest free-text value accepted, in characters.
pub const FREE_TEXT_MAX_CHARS: usize = 1000;
/// The longest username kept, in characters, once sanitised.
pub const USERNAME_MAX_CHARS: usize = 30;
/// The longest avatar URL accepted, in characters.
pub const AVATAR_URL_MAX_CHARS: usize = 2048;
/// Fewest digits in a phone number.
pub const PHONE_MIN_DIGITS: usize = 7;
/// Most digits in a phone number (E.164's limit).
pub const PHONE_MAX_DIGITS: usize = 15;

const INVALID_EMAIL: RuleError = RuleError::sentence(Code::InvalidEmail, "Invalid email address");
const INVALID_PHONE: RuleError = RuleError::sentence(Code::InvalidPhone, "Invalid phone number");

/// An email address: the user's key within a project.
///
/// Kept as sent; [`Email::normalized`] is the form compared for uniqueness (case-insensitive).
///
/// ```
/// use fitmate_rules::Email;
/// let email: Email = "Jane@Doe.com".parse()?;
/// assert_eq!(email.normalized(), "jane@doe.com");
/// assert_eq!("jane@".parse::<Email>().unwrap_err().to_string(), "Invalid email address");
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Checks `s` against the rule.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        // The pattern admits ASCII only, so bytes are characters.
        if s.len() > EMAIL_MAX_CHARS || !patterns::EMAIL_RE.is_match(s) {
            return Err(INVALID_EMAIL);
        }
        Ok(Email(s.to_owned()))
    }
    /// The address as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The lowercase form that uniqueness is decided on.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

string_rule!(
    Email,
    expected = "a string",
    schema = json!({
        "type": "string",
        "maxLength": EMAIL_MAX_CHARS,
        "pattern": patterns::EMAIL,
        "description": format!("An email address (WHATWG syntax with a dotted domain), at most {EMAIL_MAX_CHARS} characters. Unique per project, compared case-insensitively."),
        "examples": ["jane@doe.com"],
    })
);

/// A phone number: digits with an optional leading `+` and the separators space, `-`, `.`,
/// `(` and `)`; 7 to 15 digits.
///
/// Kept as sent; [`PhoneNumber::normalized`] (the `+` if any, then the digits) is the form
/// compared for uniqueness.
///
/// ```
/// use fitmate_rules::PhoneNumber;
/// let phone: PhoneNumber = "+1 (555) 010-2030".parse()?;
/// assert_eq!(phone.normalized(), "+15550102030");
/// assert_eq!("12345".parse::<PhoneNumber>().unwrap_err().to_string(), "Invalid phone number");
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Checks `s` against the rule.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        if !patterns::PHONE_RE.is_match(s) {
            return Err(INVALID_PHONE);
        }
        Ok(PhoneNumber(s.to_owned()))
    }
    /// The number as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The `+` if any, then the digits: the form uniqueness is decided on.
    pub fn normalized(&self) -> String {
        self.0
            .chars()
            .filter(|c| *c == '+' || c.is_ascii_digit())
            .collect()
    }
}

string_rule!(
    PhoneNumber,
    expected = "a string",
    schema = json!({
        "type": "string",
        "pattern": patterns::PHONE.as_str(),
        "description": format!("A phone number: optional leading +, {PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits, separators space - . ( ) allowed. Unique per project on its digits."),
        "examples": ["1234567890", "+1 (555) 010-2030"],
    })
);

/// A person's name (`firstname`, `lastname`, `name`, `doctorFullname`): trimmed, then 1 to
/// 100 characters without control characters.
///
/// ```
/// use fitmate_rules::Name;
/// assert_eq!("  Jane ".parse::<Name>()?.as_str(), "Jane");
/// assert!("".parse::<Name>().is_err());
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// Checks `s` against the rule and trims it.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        if patterns::NAME_RE.is_match(s) {
            return Ok(Name(s.trim_matches(is_trimmed).to_owned()));
        }
        let trimmed = s.trim_matches(is_trimmed);
        let detail = if trimmed.is_empty() {
            "must not be empty".to_owned()
        } else if trimmed.chars().any(char::is_control) {
            "must not contain control characters".to_owned()
        } else {
            format!("must be at most {NAME_MAX_CHARS} characters")
        };
        Err(RuleError::new(Code::InvalidName, detail))
    }
    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_rule!(
    Name,
    expected = "a string",
    schema = json!({
        "type": "string",
        "pattern": patterns::NAME.as_str(),
        "description": format!("A name: 1 to {NAME_MAX_CHARS} characters once surrounding white space is trimmed, no control characters."),
    })
);

/// Free text (`allergies`, `nutritionPreferences`, `religiousDietaryRestrictions`,
/// `medicalClearanceDescription`, `bio`): at most 1000 characters, line breaks and tabs
/// allowed, other control characters not.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FreeText(String);

impl FreeText {
    /// Checks `s` against the rule.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        // A string has at least as many bytes as characters: count only when it may matter.
        if s.len() > FREE_TEXT_MAX_CHARS && s.chars().count() > FREE_TEXT_MAX_CHARS {
            return Err(RuleError::new(
                Code::InvalidText,
                format!("must be at most {FREE_TEXT_MAX_CHARS} characters"),
            ));
        }
        // Printable ASCII is within the pattern; anything else is checked against it.
        let printable = s.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !printable && !patterns::FREE_TEXT_RE.is_match(s) {
            return Err(RuleError::new(
                Code::InvalidText,
                "must not contain control characters other than tab and line breaks",
            ));
        }
        Ok(FreeText(s.to_owned()))
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_rule!(
    FreeText,
    expected = "a string",
    schema = json!({
        "type": "string",
        "maxLength": FREE_TEXT_MAX_CHARS,
        "pattern": patterns::FREE_TEXT,
        "description": format!("Free text of at most {FREE_TEXT_MAX_CHARS} characters; tab and line breaks allowed, other control characters not."),
    })
);

/// A username, sanitised: trimmed, lowercased, and every character outside `[a-z0-9._]`
/// removed; 1 to 30 characters must remain.
///
/// ```
/// use fitmate_rules::Username;
/// assert_eq!(" New_User-Name! ".parse::<Username>()?.as_str(), "new_username");
/// assert!("!!!".parse::<Username>().is_err());
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    /// Sanitises `s` and checks what remains.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        let kept: String = s
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '_')
            .collect();
        if kept.is_empty() {
            return Err(RuleError::new(
                Code::InvalidUsername,
                "must contain at least one of a-z, 0-9, . and _",
            ));
        }
        if kept.chars().count() > USERNAME_MAX_CHARS {
            return Err(RuleError::new(
                Code::InvalidUsername,
                format!(
                    "must be at most {USERNAME_MAX_CHARS} characters once sanitised to a-z, 0-9, . and _"
                ),
            ));
        }
        debug_assert!(patterns::USERNAME_RE.is_match(s));
        Ok(Username(kept))
    }
    /// The sanitised username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_rule!(
    Username,
    expected = "a string",
    schema = json!({
        "type": "string",
        "pattern": patterns::USERNAME.as_str(),
        "description": format!("A username. Stored lowercased with every character outside a-z, 0-9, . and _ removed; 1 to {USERNAME_MAX_CHARS} characters must remain. Unique per project."),
        "examples": ["new_username"],
    })
);

/// An avatar URL: `http` or `https`, at most 2048 characters, non-URI characters
/// percent-encoded.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AvatarUrl(String);

impl AvatarUrl {
    /// Checks `s` against the rule.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        if s.chars().count() > AVATAR_URL_MAX_CHARS {
            return Err(RuleError::new(
                Code::InvalidUrl,
                format!("must be at most {AVATAR_URL_MAX_CHARS} characters"),
            ));
        }
        if !patterns::AVATAR_URL_RE.is_match(s) {
            return Err(RuleError::new(
                Code::InvalidUrl,
                "must be an http or https URL such as https://example.com/avatar.jpg, with other characters percent-encoded",
            ));
        }
        Ok(AvatarUrl(s.to_owned()))
    }
    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_rule!(
    AvatarUrl,
    expected = "a string",
    schema = json!({
        "type": "string",
        "maxLength": AVATAR_URL_MAX_CHARS,
        "pattern": patterns::AVATAR_URL,
        "description": format!("An http or https URL of at most {AVATAR_URL_MAX_CHARS} characters; characters outside URI syntax percent-encoded."),
        "examples": ["https://example.com/avatar.jpg"],
    })
);

crate::redacted_debug!(Email, PhoneNumber, Name, FreeText, Username, AvatarUrl);
