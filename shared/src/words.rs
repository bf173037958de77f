//! The widget's own words (buttons, status lines, headings) in every supported locale.
//! Shared so the edge can draw the same form before the widget's wasm has arrived (see
//! `edge/src/prerender.rs`). Field error messages are not here: they live in `errors.rs`.

use crate::Locale;

/// Every fixed string the form shows, for one locale.
pub struct Ui {
    pub submit: &'static str,
    pub sending: &'static str,
    pub retrying: &'static str,
    pub offline: &'static str,
    pub failed: &'static str,
    pub retry: &'static str,
    pub required: &'static str,
    pub required_note: &'static str,
    pub summary_one: &'static str,
    pub summary_many: &'static str,
    pub success_title: &'static str,
    pub reference: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub send_another: &'static str,
    pub honeypot: &'static str,
    /// Shown when a submit lacks a solved Turnstile check, or the edge refused it.
    pub challenge: &'static str,
    /// The status line when the edge's per-visitor limit says to come back later.
    pub limited: &'static str,
    pub choose: &'static str,
}

impl Ui {
    /// The heading of the error summary for `n` refused fields.
    pub fn summary(&self, n: usize) -> String {
        let text = if n == 1 {
            self.summary_one
        } else {
            self.summary_many
        };
        text.replace("{n}", &n.to_string())
    }
}

static EN: Ui = Ui {
    submit: "Send message",
    sending: "Sending…",
    retrying: "Connection problem, trying again…",
    offline: "Your message could not be sent. Check your connection and try again.",
    failed: "Your message could not be sent. Please try again later.",
    retry: "Try again",
    required: "required",
    required_note: "Fields marked * are required",
    summary_one: "Please correct {n} field",
    summary_many: "Please correct {n} fields",
    success_title: "Thank you, your message was sent",
    reference: "Reference",
    copy: "Copy",
    copied: "Copied",
    send_another: "Send another message",
    honeypot: "Leave this field empty",
    challenge: "Please complete the security check above the send button.",
    limited: "Too many messages were sent from here. Please try again later.",
    choose: "Please choose…",
};

static DE: Ui = Ui {
    submit: "Nachricht senden",
    sending: "Wird gesendet…",
    retrying: "Verbindungsproblem, neuer Versuch…",
    offline: "Die Nachricht konnte nicht gesendet werden. Bitte Verbindung prüfen und erneut versuchen.",
    failed: "Die Nachricht konnte nicht gesendet werden. Bitte später erneut versuchen.",
    retry: "Erneut versuchen",
    required: "Pflichtfeld",
    required_note: "Mit * markierte Felder sind Pflichtfelder",
    summary_one: "Bitte {n} Feld korrigieren",
    summary_many: "Bitte {n} Felder korrigieren",
    success_title: "Vielen Dank, Ihre Nachricht wurde gesendet",
    reference: "Referenznummer",
    copy: "Kopieren",
    copied: "Kopiert",
    send_another: "Weitere Nachricht senden",
    honeypot: "Dieses Feld leer lassen",
    challenge: "Bitte die Sicherheitsprüfung über der Senden-Schaltfläche abschließen.",
    limited: "Von hier wurden zu viele Nachrichten gesendet. Bitte später erneut versuchen.",
    choose: "Bitte wählen…",
};

static FR: Ui = Ui {
    submit: "Envoyer le message",
    sending: "Envoi en cours…",
    retrying: "Problème de connexion, nouvel essai…",
    offline: "Le message n'a pas pu être envoyé. Vérifiez votre connexion et réessayez.",
    failed: "Le message n'a pas pu être envoyé. Veuillez réessayer plus tard.",
    retry: "Réessayer",
    required: "obligatoire",
    required_note: "Les champs marqués d'un * sont obligatoires",
    summary_one: "Veuillez corriger {n} champ",
    summary_many: "Veuillez corriger {n} champs",
    success_title: "Merci, votre message a bien été envoyé",
    reference: "Référence",
    copy: "Copier",
    copied: "Copié",
    send_another: "Envoyer un autre message",
    honeypot: "Laissez ce champ vide",
    challenge: "Veuillez terminer la vérification de sécurité au-dessus du bouton d'envoi.",
    limited: "Trop de messages ont été envoyés depuis cet appareil. Veuillez réessayer plus tard.",
    choose: "Veuillez choisir…",
};

static ES: Ui = Ui {
    submit: "Enviar mensaje",
    sending: "Enviando…",
    retrying: "Problema de conexión, reintentando…",
    offline: "No se pudo enviar el mensaje. Comprueba tu conexión e inténtalo de nuevo.",
    failed: "No se pudo enviar el mensaje. Inténtalo de nuevo más tarde.",
    retry: "Reintentar",
    required: "obligatorio",
    required_note: "Los campos marcados con * son obligatorios",
    summary_one: "Corrige {n} campo",
    summary_many: "Corrige {n} campos",
    success_title: "Gracias, tu mensaje se ha enviado",
    reference: "Referencia",
    copy: "Copiar",
    copied: "Copiado",
    send_another: "Enviar otro mensaje",
    honeypot: "Deja este campo vacío",
    challenge: "Completa la verificación de seguridad situada encima del botón de envío.",
    limited: "Se han enviado demasiados mensajes desde aquí. Inténtalo de nuevo más tarde.",
    choose: "Elige una opción…",
};

/// The strings for `locale`.
pub fn ui(locale: Locale) -> &'static Ui {
    match locale {
        Locale::En => &EN,
        Locale::De => &DE,
        Locale::Fr => &FR,
        Locale::Es => &ES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_in_every_locale() {
        assert_eq!(ui(Locale::En).summary(1), "Please correct 1 field");
        assert_eq!(ui(Locale::De).summary(3), "Bitte 3 Felder korrigieren");
        for locale in Locale::ALL {
            assert!(ui(locale).summary(2).contains('2'));
        }
    }
}
