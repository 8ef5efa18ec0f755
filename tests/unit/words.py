"""How each language names a data category in the mail templates, written out here (never read from them)."""

CONTACT_WORDS = {
    "en": "contact details",
    "de": "Kontaktdaten",
    "fr": "coordonnées",
    "es": "datos de contacto",
    "it": "dati di contatto",
    "nl": "contactgegevens",
    "pt": "dados de contacto",
}
