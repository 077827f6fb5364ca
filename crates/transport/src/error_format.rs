//! The two error formats of the API, shared by the server (which writes them) and the
//! client (which reads them).

/// Which error body an endpoint answers with: the two APIs write their errors differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorFormat {
    /// `/users/...` and everything else: `{"message", "errors"}`.
    Fitmate,
    /// `/{projectId}/users/{userId}`: `{"error", "code"}`.
    Projects,
}

impl ErrorFormat {
    /// The format of the endpoint at `path`.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn of(path: &str) -> ErrorFormat {
        let mut segments = path.trim_start_matches('/').split('/');
        let shape = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        );
        match shape {
            // No project id starts with `_`: `/_sandbox/users/{id}` is the sandbox's.
            (Some(project), Some("users"), Some(_), None) if !project.starts_with('_') => {
                ErrorFormat::Projects
            }
            _ => ErrorFormat::Fitmate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_api_is_told_from_the_rest_by_its_path() {
        assert_eq!(ErrorFormat::of("/acme/users/123"), ErrorFormat::Projects);
        assert_eq!(ErrorFormat::of("/users/create"), ErrorFormat::Fitmate);
        assert_eq!(ErrorFormat::of("/healthz"), ErrorFormat::Fitmate);
        assert_eq!(ErrorFormat::of("/acme/users/123/x"), ErrorFormat::Fitmate);
    }
}
