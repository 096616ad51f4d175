"""Flask-WTF forms; the answer form is built per request from the questionnaire."""
