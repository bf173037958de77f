//! Field errors: a stable machine code, the field it belongs to, and its message in the
//! visitor's language. The widget and the edge render the same words from the same code.

use crate::locale::Locale;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a field value was refused. The serialized names are part of the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    TooShort,
    TooLong,
    InvalidEmail,
    InvalidPhone,
    InvalidUrl,
    InvalidChoice,
    TooManyChoices,
    /// A control or bidirectional-override character that has no place in the field.
    ForbiddenCharacter,
    /// A value of the wrong shape (a list where text belongs, and so on).
    InvalidType,
    UnknownField,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::TooShort => "too_short",
            ErrorCode::TooLong => "too_long",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidPhone => "invalid_phone",
            ErrorCode::InvalidUrl => "invalid_url",
            ErrorCode::InvalidChoice => "invalid_choice",
            ErrorCode::TooManyChoices => "too_many_choices",
            ErrorCode::ForbiddenCharacter => "forbidden_character",
            ErrorCode::InvalidType => "invalid_type",
            ErrorCode::UnknownField => "unknown_field",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused field. `limit` carries the number a message states (a length limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl FieldError {
    pub fn new(field: &str, code: ErrorCode) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            limit: None,
        }
    }

    pub fn with_limit(field: &str, code: ErrorCode, limit: usize) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            limit: Some(limit),
        }
    }

    /// The message a visitor reads next to the field, in their language.
    pub fn message(&self, locale: Locale) -> String {
        let n = self.limit.unwrap_or(0);
        match (locale, self.code) {
            (Locale::En, ErrorCode::Required) => "This field is required".into(),
            (Locale::En, ErrorCode::TooShort) => format!("Please enter at least {n} characters"),
            (Locale::En, ErrorCode::TooLong) => format!("Please enter at most {n} characters"),
            (Locale::En, ErrorCode::InvalidEmail) => "Please enter a valid email address".into(),
            (Locale::En, ErrorCode::InvalidPhone) => "Please enter a valid phone number".into(),
            (Locale::En, ErrorCode::InvalidUrl) => {
                "Please enter a web address starting with http:// or https://".into()
            }
            (Locale::En, ErrorCode::InvalidChoice) => "Please choose one of the options".into(),
            (Locale::En, ErrorCode::TooManyChoices) => format!("Please choose at most {n} options"),
            (Locale::En, ErrorCode::ForbiddenCharacter) => {
                "This field contains characters that are not allowed".into()
            }
            (Locale::En, ErrorCode::InvalidType) => "This value has the wrong format".into(),
            (Locale::En, ErrorCode::UnknownField) => "This field is not part of the form".into(),

            (Locale::De, ErrorCode::Required) => "Dieses Feld ist erforderlich".into(),
            (Locale::De, ErrorCode::TooShort) => format!("Bitte mindestens {n} Zeichen eingeben"),
            (Locale::De, ErrorCode::TooLong) => format!("Bitte höchstens {n} Zeichen eingeben"),
            (Locale::De, ErrorCode::InvalidEmail) => {
                "Bitte eine gültige E-Mail-Adresse eingeben".into()
            }
            (Locale::De, ErrorCode::InvalidPhone) => {
                "Bitte eine gültige Telefonnummer eingeben".into()
            }
            (Locale::De, ErrorCode::InvalidUrl) => {
                "Bitte eine Webadresse mit http:// oder https:// eingeben".into()
            }
            (Locale::De, ErrorCode::InvalidChoice) => "Bitte eine der Optionen wählen".into(),
            (Locale::De, ErrorCode::TooManyChoices) => {
                format!("Bitte höchstens {n} Optionen wählen")
            }
            (Locale::De, ErrorCode::ForbiddenCharacter) => {
                "Dieses Feld enthält unzulässige Zeichen".into()
            }
            (Locale::De, ErrorCode::InvalidType) => "Dieser Wert hat das falsche Format".into(),
            (Locale::De, ErrorCode::UnknownField) => "Dieses Feld gehört nicht zum Formular".into(),

            (Locale::Fr, ErrorCode::Required) => "Ce champ est obligatoire".into(),
            (Locale::Fr, ErrorCode::TooShort) => format!("Veuillez saisir au moins {n} caractères"),
            (Locale::Fr, ErrorCode::TooLong) => format!("Veuillez saisir au plus {n} caractères"),
            (Locale::Fr, ErrorCode::InvalidEmail) => {
                "Veuillez saisir une adresse e-mail valide".into()
            }
            (Locale::Fr, ErrorCode::InvalidPhone) => {
                "Veuillez saisir un numéro de téléphone valide".into()
            }
            (Locale::Fr, ErrorCode::InvalidUrl) => {
                "Veuillez saisir une adresse web commençant par http:// ou https://".into()
            }
            (Locale::Fr, ErrorCode::InvalidChoice) => "Veuillez choisir une des options".into(),
            (Locale::Fr, ErrorCode::TooManyChoices) => {
                format!("Veuillez choisir au plus {n} options")
            }
            (Locale::Fr, ErrorCode::ForbiddenCharacter) => {
                "Ce champ contient des caractères non autorisés".into()
            }
            (Locale::Fr, ErrorCode::InvalidType) => "Cette valeur n'a pas le bon format".into(),
            (Locale::Fr, ErrorCode::UnknownField) => {
                "Ce champ ne fait pas partie du formulaire".into()
            }

            (Locale::Es, ErrorCode::Required) => "Este campo es obligatorio".into(),
            (Locale::Es, ErrorCode::TooShort) => format!("Introduce al menos {n} caracteres"),
            (Locale::Es, ErrorCode::TooLong) => format!("Introduce como máximo {n} caracteres"),
            (Locale::Es, ErrorCode::InvalidEmail) => {
                "Introduce una dirección de correo válida".into()
            }
            (Locale::Es, ErrorCode::InvalidPhone) => {
                "Introduce un número de teléfono válido".into()
            }
            (Locale::Es, ErrorCode::InvalidUrl) => {
                "Introduce una dirección web que empiece por http:// o https://".into()
            }
            (Locale::Es, ErrorCode::InvalidChoice) => "Elige una de las opciones".into(),
            (Locale::Es, ErrorCode::TooManyChoices) => format!("Elige como máximo {n} opciones"),
            (Locale::Es, ErrorCode::ForbiddenCharacter) => {
                "Este campo contiene caracteres no permitidos".into()
            }
            (Locale::Es, ErrorCode::InvalidType) => {
                "Este valor no tiene el formato correcto".into()
            }
            (Locale::Es, ErrorCode::UnknownField) => {
                "Este campo no forma parte del formulario".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_distinct_message_in_every_locale() {
        let codes = [
            ErrorCode::Required,
            ErrorCode::TooShort,
            ErrorCode::TooLong,
            ErrorCode::InvalidEmail,
            ErrorCode::InvalidPhone,
            ErrorCode::InvalidUrl,
            ErrorCode::InvalidChoice,
            ErrorCode::TooManyChoices,
            ErrorCode::ForbiddenCharacter,
            ErrorCode::InvalidType,
            ErrorCode::UnknownField,
        ];
        for locale in Locale::ALL {
            let mut seen = std::collections::HashSet::new();
            for code in codes {
                let msg = FieldError::with_limit("f", code, 7).message(locale);
                assert!(seen.insert(msg.clone()), "{locale:?} repeats {msg:?}");
                assert!(!msg.ends_with('.'), "{msg:?} ends with a period");
            }
        }
        let en = FieldError::with_limit("f", ErrorCode::TooLong, 7).message(Locale::En);
        assert_eq!(en, "Please enter at most 7 characters");
        assert_eq!(
            serde_json::to_string(&ErrorCode::InvalidEmail).unwrap(),
            "\"invalid_email\""
        );
    }
}
