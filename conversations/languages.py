"""Names of languages in their own words, for the "which language?" question."""

from __future__ import annotations

ENDONYMS: dict[str, str] = {
    "en": "English",
    "cy": "Cymraeg",
    "gd": "Gàidhlig",
    "ga": "Gaeilge",
    "pl": "Polski",
    "ro": "Română",
    "pa": "ਪੰਜਾਬੀ",
    "ur": "اردو",
    "bn": "বাংলা",
    "gu": "ગુજરાતી",
    "ar": "العربية",
    "so": "Soomaali",
    "pt": "Português",
    "es": "Español",
    "fr": "Français",
    "lt": "Lietuvių",
    "uk": "Українська",
    "ru": "Русский",
    "tr": "Türkçe",
    "ps": "پښتو",
    "fa": "فارسی",
    "ti": "ትግርኛ",
    "zh": "中文",
}


def language_name(code: str) -> str:
    return ENDONYMS.get(code, ENDONYMS.get(code.split("-")[0], code))
