"""Hand-written parser cases, one family of expressions per table.

Each case is (text, now, expected) where `expected` lists only the fields it checks.
Reference days: WED is Wednesday 2026-09-09, FRI Friday 2026-10-16, MON Monday 2026-10-19,
YEAR_END Monday 2026-12-28, JAN Monday 2027-01-04.
"""

from __future__ import annotations

from typing import Any

WED = "2026-09-09T10:00:00+02:00"
FRI = "2026-10-16T15:00:00+02:00"
MON = "2026-10-19T09:00:00+02:00"
YEAR_END = "2026-12-28T11:00:00+01:00"
JAN = "2027-01-04T09:30:00+01:00"

Case = tuple[str, str, dict[str, Any]]

RELATIVE_DATES: list[Case] = [
    ("Atelier demain de 14h à 16h, merci", WED, {"event_date": "2026-09-10"}),
    ("Besoin d'un facilitateur demain après-midi", WED, {"event_date": "2026-09-10"}),
    ("Atelier après-demain à 10h", WED, {"event_date": "2026-09-11"}),
    ("atelier apres demain a 10h", WED, {"event_date": "2026-09-11"}),
    ("Séminaire mardi prochain à 9h", WED, {"event_date": "2026-09-15"}),
    ("Un atelier mardi à 14h ?", WED, {"event_date": "2026-09-15"}),
    ("Un codev jeudi de 10h à 12h", WED, {"event_date": "2026-09-10"}),
    ("Réunion d'équipe mercredi à 9h30", WED, {"event_date": "2026-09-16"}),
    ("Atelier ce vendredi à 10h", WED, {"event_date": "2026-09-11"}),
    ("Atelier la semaine prochaine mercredi à 14h", WED, {"event_date": "2026-09-16"}),
    ("Atelier mercredi de la semaine prochaine à 14h", WED, {"event_date": "2026-09-16"}),
    ("Atelier la semaine prochaine, lundi, 10h", WED, {"event_date": "2026-09-14"}),
    ("Atelier la semaine prochaine mercredi à 14h", MON, {"event_date": "2026-10-28"}),
    ("Séminaire dans deux semaines à Lyon", WED, {"event_date": "2026-09-23"}),
    ("Séminaire dans 3 semaines à Lyon", WED, {"event_date": "2026-09-30"}),
    ("Séminaire dans trois semaines à Lyon", WED, {"event_date": "2026-09-30"}),
    ("Séminaire dans une semaine à Lyon", WED, {"event_date": "2026-09-16"}),
    ("Séminaire dans quinze jours à Lyon", WED, {"event_date": "2026-09-23"}),
    ("We need a facilitator for a workshop in two weeks", WED, {"event_date": "2026-09-23"}),
    ("We need a facilitator for a workshop in 3 weeks", WED, {"event_date": "2026-09-30"}),
    ("Workshop next Thursday at 10am, anyone free?", FRI, {"event_date": "2026-10-22"}),
    ("Workshop this Friday at 10am, anyone free?", MON, {"event_date": "2026-10-23"}),
    ("Retro next week on Wednesday, 10 people", FRI, {"event_date": "2026-10-21"}),
    ("Retro on Wednesday next week, 10 people", FRI, {"event_date": "2026-10-21"}),
    ("Could someone facilitate a workshop tomorrow?", FRI, {"event_date": "2026-10-17"}),
    ("Codev lundi à 14h", MON, {"event_date": "2026-10-26"}),
    ("Codev mardi en huit à 14h", WED, {"event_date": "2026-09-22"}),
    ("Atelier le 24 de 9h à 12h, une dizaine de personnes", WED, {"event_date": "2026-09-24"}),
]

ABSOLUTE_DATES: list[Case] = [
    ("Atelier le 12/12 de 14h à 16h", WED, {"event_date": "2026-12-12"}),
    ("Atelier le 12/12/2026 de 14h à 16h", WED, {"event_date": "2026-12-12"}),
    ("Atelier le 12/12/26 de 14h à 16h", WED, {"event_date": "2026-12-12"}),
    ("Atelier le 12.10.2026 à 14h", WED, {"event_date": "2026-10-12"}),
    ("Atelier le 2026-10-12 à 14h", WED, {"event_date": "2026-10-12"}),
    ("Séminaire jeudi 15 octobre toute la journée", WED, {"event_date": "2026-10-15"}),
    ("Codev le lundi 2/11 à 14h", WED, {"event_date": "2026-11-02"}),
    ("Séminaire le 3 février 2027 à Nantes", WED, {"event_date": "2027-02-03"}),
    ("World café le 1er octobre de 10h à 12h", WED, {"event_date": "2026-10-01"}),
    ("Plénière le premier décembre à 14h", WED, {"event_date": "2026-12-01"}),
    (
        "Could someone facilitate a codev on Dec 4th from 2 to 4pm?",
        WED,
        {"event_date": "2026-12-04"},
    ),
    ("Plenary on January 12th from 9:30 to 11am", WED, {"event_date": "2027-01-12"}),
    ("Workshop on the 4th of December at 2pm", WED, {"event_date": "2026-12-04"}),
    ("Workshop on Oct. 20 at 2pm", WED, {"event_date": "2026-10-20"}),
    ("Workshop on Tuesday, October 13, from 9am to noon", WED, {"event_date": "2026-10-13"}),
    ("Atelier le 15 oct. à 14h", WED, {"event_date": "2026-10-15"}),
    ("Atelier le 3 nov à 14h", WED, {"event_date": "2026-11-03"}),
    ("atelier le 10 fevrier a 14h", WED, {"event_date": "2027-02-10"}),
    ("atelier le 8 decembre a 14h", WED, {"event_date": "2026-12-08"}),
    ("ATELIER LE 8 DÉCEMBRE À 14H", WED, {"event_date": "2026-12-08"}),
    ("Séminaire le 5 septembre à Lyon", WED, {"event_date": "2027-09-05"}),
    ("Séminaire le 9 septembre à 16h à Lyon", WED, {"event_date": "2026-09-09"}),
    ("Atelier mardi 13 de 9h à 12h", WED, {"event_date": "2026-10-13"}),
    ("Atelier le 31 décembre à 10h", YEAR_END, {"event_date": "2026-12-31"}),
    ("Séminaire le 5 janvier à Paris", YEAR_END, {"event_date": "2027-01-05"}),
    ("Séminaire le 2/01 à Paris", YEAR_END, {"event_date": "2027-01-02"}),
    ("Codev jeudi 7 janvier à 14h", YEAR_END, {"event_date": "2027-01-07"}),
    ("Séminaire dans deux semaines à Paris", YEAR_END, {"event_date": "2027-01-11"}),
    ("Atelier mardi prochain à 10h", YEAR_END, {"event_date": "2026-12-29"}),
    ("Atelier la semaine prochaine mercredi à 10h", YEAR_END, {"event_date": "2027-01-06"}),
    ("Atelier le 28/12 à 15h", YEAR_END, {"event_date": "2026-12-28"}),
    ("Workshop on January 2nd at 10am", YEAR_END, {"event_date": "2027-01-02"}),
    ("Séminaire les 12 et 13 novembre à Lyon", WED, {"event_date": "2026-11-12"}),
    ("Séminaire du 12 au 14 novembre à Lyon", WED, {"event_date": "2026-11-12"}),
]

SEVERAL_DATES: list[Case] = [
    (
        "Bonjour, dites-nous d'ici lundi si c'est possible ; la séance est prévue le 14 avril.",
        WED,
        {"event_date": "2027-04-14"},
    ),
    (
        "Merci de répondre avant vendredi. Atelier le 12 octobre à 10h.",
        WED,
        {"event_date": "2026-10-12"},
    ),
    (
        "Please reply by Monday: we need a facilitator for a workshop on October 20.",
        WED,
        {"event_date": "2026-10-20"},
    ),
    (
        "Suite à notre atelier du 3 septembre, nous aimerions un second atelier le 1er octobre.",
        WED,
        {"event_date": "2026-10-01"},
    ),
    (
        "Notre atelier est reporté du 3 au 10 novembre, il faut un facilitateur",
        WED,
        {"event_date": "2026-11-10"},
    ),
    (
        "L'atelier initialement prévu le 5 octobre est reporté au 12 octobre, "
        "besoin d'un facilitateur",
        WED,
        {"event_date": "2026-10-12"},
    ),
    (
        "Following our workshop on September 2, we'd like another session on October 7.",
        WED,
        {"event_date": "2026-10-07"},
    ),
    (
        "The session was moved from October 6 to October 13, we still need a facilitator.",
        WED,
        {"event_date": "2026-10-13"},
    ),
    (
        "Merci de nous répondre au plus tard le 20 septembre pour un séminaire le 15 octobre.",
        WED,
        {"event_date": "2026-10-15"},
    ),
    (
        "Séminaire le 15 octobre à Lyon, salle confirmée. Réponse souhaitée d'ici le 25 septembre.",
        WED,
        {"event_date": "2026-10-15"},
    ),
    (
        "Nous cherchons un facilitateur pour un atelier le 20 octobre, "
        "inscriptions avant le 10 octobre.",
        WED,
        {"event_date": "2026-10-20"},
    ),
    ("Atelier mardi, merci de vous positionner avant vendredi", MON, {"event_date": "2026-10-20"}),
]

TIMES: list[Case] = [
    (
        "Atelier le 12/10 de 9h30 à 12h",
        WED,
        {"start_time": "09:30", "end_time": "12:00", "duration_minutes": 150},
    ),
    (
        "Atelier le 12/10, 14h-16h30",
        WED,
        {"start_time": "14:00", "end_time": "16:30", "duration_minutes": 150},
    ),
    (
        "Atelier le 12/10 de 14 à 17h",
        WED,
        {"start_time": "14:00", "end_time": "17:00", "duration_minutes": 180},
    ),
    (
        "Atelier le 12/10 de 9h à midi",
        WED,
        {"start_time": "09:00", "end_time": "12:00", "duration_minutes": 180},
    ),
    (
        "Atelier le 12/10 de midi à 14h",
        WED,
        {"start_time": "12:00", "end_time": "14:00", "duration_minutes": 120},
    ),
    (
        "Atelier le 12/10 entre 14h et 16h",
        WED,
        {"start_time": "14:00", "end_time": "16:00", "duration_minutes": 120},
    ),
    (
        "Atelier le 12/10 de 10h00 à 11h30",
        WED,
        {"start_time": "10:00", "end_time": "11:30", "duration_minutes": 90},
    ),
    (
        "Atelier le 12/10 14:00-16:00",
        WED,
        {"start_time": "14:00", "end_time": "16:00", "duration_minutes": 120},
    ),
    (
        "Atelier le 12/10 9h-17h",
        WED,
        {"start_time": "09:00", "end_time": "17:00", "duration_minutes": 480},
    ),
    (
        "Atelier le 12/10 de 8h45 à 10h15",
        WED,
        {"start_time": "08:45", "end_time": "10:15", "duration_minutes": 90},
    ),
    (
        "Atelier le 12/10 de 13h30 à 15h",
        WED,
        {"start_time": "13:30", "end_time": "15:00", "duration_minutes": 90},
    ),
    (
        "Séminaire le 12/10 de 9h à 12h et de 14h à 17h",
        WED,
        {"start_time": "09:00", "end_time": "17:00", "duration_minutes": 480},
    ),
    (
        "Séminaire le 12/10, une demi-journée",
        WED,
        {"start_time": None, "end_time": None, "duration_minutes": 240},
    ),
    ("Séminaire le 12/10 sur une demi journée", WED, {"duration_minutes": 240}),
    (
        "Séminaire le 12/10 toute la journée",
        WED,
        {"start_time": None, "end_time": None, "duration_minutes": 420},
    ),
    ("Séminaire le 12/10, journée complète", WED, {"duration_minutes": 420}),
    ("Séminaire le 12/10, journée entière", WED, {"duration_minutes": 420}),
    ("Seminar on Oct 12, full day", WED, {"duration_minutes": 420}),
    ("Seminar on Oct 12, all day", WED, {"duration_minutes": 420}),
    ("Seminar on Oct 12, half a day", WED, {"duration_minutes": 240}),
    ("Half-day seminar on Oct 12", WED, {"duration_minutes": 240}),
    (
        "Atelier le 12/10 à 14h pendant 2h",
        WED,
        {"start_time": "14:00", "end_time": "16:00", "duration_minutes": 120},
    ),
    (
        "Atelier le 12/10, 1h30 à partir de 10h",
        WED,
        {"start_time": "10:00", "end_time": "11:30", "duration_minutes": 90},
    ),
    (
        "Atelier le 12/10, 3h à partir de 14h",
        WED,
        {"start_time": "14:00", "end_time": "17:00", "duration_minutes": 180},
    ),
    (
        "Atelier le 12/10 à 9h, durée 3h",
        WED,
        {"start_time": "09:00", "end_time": "12:00", "duration_minutes": 180},
    ),
    (
        "Workshop on Oct 12 from 2 to 4pm",
        WED,
        {"start_time": "14:00", "end_time": "16:00", "duration_minutes": 120},
    ),
    (
        "Workshop on Oct 12, 10am to noon",
        WED,
        {"start_time": "10:00", "end_time": "12:00", "duration_minutes": 120},
    ),
    (
        "Workshop on Oct 12, 9:30am-12:30pm",
        WED,
        {"start_time": "09:30", "end_time": "12:30", "duration_minutes": 180},
    ),
    (
        "Workshop on Oct 12, 10 to 11:30am",
        WED,
        {"start_time": "10:00", "end_time": "11:30", "duration_minutes": 90},
    ),
    (
        "Workshop on Oct 12 at 2pm for 90 minutes",
        WED,
        {"start_time": "14:00", "end_time": "15:30", "duration_minutes": 90},
    ),
    (
        "Workshop on Oct 12 at 2pm",
        WED,
        {"start_time": "14:00", "end_time": None, "duration_minutes": None},
    ),
    (
        "Atelier le 12/10 à 10h",
        WED,
        {"start_time": "10:00", "end_time": None, "duration_minutes": None},
    ),
    (
        "Atelier le 12/10, 2h le matin",
        WED,
        {"start_time": None, "end_time": None, "duration_minutes": 120},
    ),
    (
        "Atelier le 12/10 le matin",
        WED,
        {"start_time": None, "end_time": None, "duration_minutes": None},
    ),
    ("Atelier le 12/10 en fin de matinée", WED, {"start_time": None, "end_time": None}),
    ("Atelier demain aprem", WED, {"start_time": None, "end_time": None, "duration_minutes": None}),
    ("Workshop on Oct 12 in the afternoon", WED, {"start_time": None, "end_time": None}),
    ("Atelier de 90 minutes le 12/10", WED, {"duration_minutes": 90}),
    ("Atelier d'une heure et demie le 12/10", WED, {"duration_minutes": 90}),
    ("Atelier de 3 heures le 12/10", WED, {"duration_minutes": 180}),
    ("Atelier de deux heures le 12/10", WED, {"duration_minutes": 120}),
    ("A 2-hour workshop on Oct 12", WED, {"duration_minutes": 120}),
    ("Atelier de 2h30 le 12/10", WED, {"duration_minutes": 150}),
    ("Atelier le 12/10 à 14 heures", WED, {"start_time": "14:00"}),
]

PEOPLE: list[Case] = [
    (
        "Il nous faudrait deux facilitateurs pour un atelier le 12/10",
        WED,
        {"facilitators_needed": 2},
    ),
    ("Un binôme pour un atelier le 12/10 ?", WED, {"facilitators_needed": 2}),
    (
        "Could we have a pair of facilitators for a workshop on Oct 12?",
        WED,
        {"facilitators_needed": 2},
    ),
    ("We need two facilitators for a workshop on Oct 12", WED, {"facilitators_needed": 2}),
    ("Besoin de trois animateurs pour un séminaire le 12/10", WED, {"facilitators_needed": 3}),
    ("Besoin de 4 facilitateurs pour un hackathon le 12/10", WED, {"facilitators_needed": 4}),
    ("Un ou deux facilitateurs pour un atelier le 12/10", WED, {"facilitators_needed": 2}),
    ("Atelier le 12/10.\nBesoin : 2 facilitateurs", WED, {"facilitators_needed": 2}),
    ("Besoin d'un facilitateur pour un atelier le 12/10", WED, {"facilitators_needed": 1}),
    ("Atelier le 12/10 à Lyon", WED, {"facilitators_needed": 1}),
    ("Atelier le 12/10, une trentaine de participants", WED, {"participants": 30}),
    ("Atelier le 12/10, une vingtaine de collègues", WED, {"participants": 20}),
    ("Atelier le 12/10, une douzaine de personnes", WED, {"participants": 12}),
    ("Atelier le 12/10, une soixantaine d'agents", WED, {"participants": 60}),
    ("Workshop on Oct 12. Six participants.", WED, {"participants": 6}),
    ("Atelier le 12/10, environ 40 personnes", WED, {"participants": 40}),
    ("Workshop on Oct 12, ~45 people", WED, {"participants": 45}),
    ("Workshop on Oct 12, about 40 attendees", WED, {"participants": 40}),
    ("Workshop on Oct 12, roughly 35 participants", WED, {"participants": 35}),
    ("Atelier le 12/10, vingt-cinq agents", WED, {"participants": 25}),
    ("Workshop on Oct 12, we'll be 12", WED, {"participants": 12}),
    ("Atelier le 12/10, nous serons 14", WED, {"participants": 14}),
    (
        "Atelier le 12/10 pour notre équipe de 30 personnes, dont 20 seront présentes",
        WED,
        {"participants": 20},
    ),
    ("Atelier le 12/10\nParticipants : 22", WED, {"participants": 22}),
    (
        "Atelier le 12/10 avec 2 facilitateurs",
        WED,
        {"participants": None, "facilitators_needed": 2},
    ),
    ("Atelier le 12/10, une quinzaine de jours avant le séminaire", WED, {"participants": None}),
]

FORMATS: list[Case] = [
    ("Atelier d'idéation le 12/10", WED, {"format": "atelier"}),
    ("Workshop on Oct 12", WED, {"format": "atelier"}),
    ("Atelier design thinking le 12/10", WED, {"format": "atelier"}),
    ("Séminaire de cohésion le 12/10", WED, {"format": "seminaire", "topic": "cohésion"}),
    ("seminaire annuel le 12/10", WED, {"format": "seminaire"}),
    ("Seminar on Oct 12", WED, {"format": "seminaire"}),
    ("Plénière le 12/10", WED, {"format": "pleniere"}),
    ("Assemblée générale le 12/10", WED, {"format": "pleniere"}),
    ("Plenary on Oct 12", WED, {"format": "pleniere"}),
    ("Co-développement le 12/10", WED, {"format": "codeveloppement"}),
    ("Séance de codéveloppement le 12/10", WED, {"format": "codeveloppement"}),
    ("Codev le 12/10", WED, {"format": "codeveloppement"}),
    ("Codevelopment session on Oct 12", WED, {"format": "codeveloppement"}),
    ("World café le 12/10", WED, {"format": "world_cafe"}),
    ("Forum ouvert le 12/10", WED, {"format": "forum_ouvert"}),
    ("Open space session on Oct 12", WED, {"format": "forum_ouvert"}),
    ("Design sprint le 12/10", WED, {"format": "design_sprint"}),
    ("Sprint design le 12/10", WED, {"format": "design_sprint"}),
    ("Hackathon le 12/10", WED, {"format": "hackathon"}),
    ("Rétrospective le 12/10", WED, {"format": "retrospective"}),
    ("Rétro de sprint le 12/10", WED, {"format": "retrospective"}),
    ("Retro on Oct 12", WED, {"format": "retrospective"}),
    ("Réunion de service le 12/10", WED, {"format": "reunion"}),
    ("Réunion d'équipe le 12/10", WED, {"format": "reunion"}),
    ("Team meeting on Oct 12", WED, {"format": "reunion"}),
    ("Besoin d'un facilitateur pour un temps d'échange le 12/10", WED, {"format": None}),
    ("Besoin d'un facilitateur pour une séance de travail le 12/10", WED, {"format": None}),
    (
        "Besoin d'un facilitateur pour une session d'intelligence collective le 12/10",
        WED,
        {"format": None},
    ),
    ("Hackathon sur l'IA générative le 12/10", WED, {"topic": "IA générative"}),
]

PLACES: list[Case] = [
    ("Atelier le 12/10 en visio", WED, {"modality": "distanciel", "location": None}),
    ("Atelier le 12/10 sur Teams", WED, {"modality": "distanciel"}),
    ("Atelier le 12/10, Teams", WED, {"modality": "distanciel"}),
    ("Atelier le 12/10 à distance", WED, {"modality": "distanciel"}),
    ("Atelier le 12/10 en ligne", WED, {"modality": "distanciel"}),
    ("Atelier le 12/10 via Webconf", WED, {"modality": "distanciel"}),
    ("Atelier le 12/10 sur Tchap", WED, {"modality": "distanciel"}),
    ("Remote workshop on Oct 12", WED, {"modality": "distanciel"}),
    ("Online workshop on Oct 12", WED, {"modality": "distanciel"}),
    ("Atelier le 12/10 dans nos locaux", WED, {"modality": "presentiel", "location": None}),
    ("Atelier le 12/10 en salle", WED, {"modality": "presentiel", "location": None}),
    ("Atelier le 12/10 sur site", WED, {"modality": "presentiel"}),
    (
        "Workshop on Oct 12, in person at Bercy",
        WED,
        {"modality": "presentiel", "location": "Paris"},
    ),
    ("Workshop on Oct 12, on site", WED, {"modality": "presentiel"}),
    ("Atelier le 12/10 en hybride", WED, {"modality": "hybride"}),
    ("Atelier le 12/10 en mixte (Lyon + visio)", WED, {"modality": "hybride", "location": "Lyon"}),
    ("Atelier le 12/10 à Bercy + Teams", WED, {"modality": "hybride", "location": "Paris"}),
    (
        "Atelier le 12/10 à Nantes dont une partie à distance",
        WED,
        {"modality": "hybride", "location": "Nantes"},
    ),
    (
        "Workshop on Oct 12 at Bercy, a few joining remotely",
        WED,
        {"modality": "hybride", "location": "Paris"},
    ),
    (
        "Je suis à Lille mais l'atelier du 12/10 sera en ligne",
        WED,
        {"modality": "distanciel", "location": None},
    ),
    ("Atelier le 12/10", WED, {"modality": None, "location": None}),
    ("Atelier le 12/10 à Bercy", WED, {"modality": "presentiel", "location": "Paris"}),
    ("Atelier le 12/10 à Paris 13e", WED, {"location": "Paris"}),
    ("Atelier le 12/10, Paris 12ème", WED, {"location": "Paris"}),
    ("Atelier le 12/10 au Havre", WED, {"location": "Le Havre"}),
    ("Atelier le 12/10 à Clermont-Ferrand", WED, {"location": "Clermont-Ferrand"}),
    ("atelier le 12/10 a clermont ferrand", WED, {"location": "Clermont-Ferrand"}),
    ("Atelier le 12/10 à Ivry-sur-Seine", WED, {"location": "Ivry-sur-Seine"}),
    ("Atelier le 12/10 à La Rochelle", WED, {"location": "La Rochelle"}),
    ("Atelier le 12/10 à Orléans", WED, {"location": "Orléans"}),
    ("atelier le 12/10 a orleans", WED, {"location": "Orléans"}),
    ("Atelier le 12/10 à St-Etienne", WED, {"location": "Saint-Étienne"}),
    ("Atelier le 12/10 à Noisy le Grand", WED, {"location": "Noisy-le-Grand"}),
    ("Atelier le 12/10 à Nice", WED, {"location": "Nice"}),
    ("Atelier le 12/10 à Tours", WED, {"location": "Tours"}),
    ("A nice workshop on Oct 12 at Metz", WED, {"location": "Metz"}),
    ("Atelier le 12/10 à Aix-en-Provence", WED, {"location": "Aix-en-Provence"}),
    ("Atelier le 12/10 à Besançon", WED, {"location": "Besançon"}),
    ("Atelier le 12/10 à Rouen", WED, {"location": "Rouen"}),
    ("Atelier le 12/10 à Montpellier", WED, {"location": "Montpellier"}),
    ("Atelier le 12/10 au Mans", WED, {"location": "Le Mans"}),
    ("Atelier le 12/10 à Nîmes", WED, {"location": "Nîmes"}),
    ("Atelier le 12/10 à Montreuil", WED, {"location": "Montreuil"}),
    ("L'équipe de Lyon organise un atelier le 12/10 à Grenoble", WED, {"location": "Grenoble"}),
]

DIRECTORATES: list[Case] = [
    ("Atelier le 12/10 pour la Douane", WED, {"directorate": "DGDDI"}),
    ("Atelier le 12/10 pour les douanes de Lille", WED, {"directorate": "DGDDI"}),
    ("Workshop on Oct 12 for the customs team", WED, {"directorate": "DGDDI"}),
    ("Atelier le 12/10 pour la DRFiP Occitanie", WED, {"directorate": "DGFiP"}),
    ("Atelier le 12/10 pour la DDFiP du Nord", WED, {"directorate": "DGFiP"}),
    ("Atelier le 12/10 pour le SIE de Lyon", WED, {"directorate": "DGFiP"}),
    (
        "Atelier le 12/10 pour la Direction générale des Finances publiques",
        WED,
        {"directorate": "DGFiP"},
    ),
    ("Atelier le 12/10 pour le SNUM", WED, {"directorate": "SG"}),
    ("Atelier le 12/10 pour le Secrétariat général", WED, {"directorate": "SG"}),
    ("Atelier le 12/10 pour le SAFI", WED, {"directorate": "SG"}),
    ("Workshop on Oct 12 for the General Secretariat", WED, {"directorate": "SG"}),
    ("Atelier le 12/10 pour le Trésor", WED, {"directorate": "DG Trésor"}),
    ("Workshop on Oct 12 for the Treasury", WED, {"directorate": "DG Trésor"}),
    ("Atelier le 12/10 pour la Direction générale des entreprises", WED, {"directorate": "DGE"}),
    ("Atelier le 12/10 pour l'Insee", WED, {"directorate": "INSEE"}),
    ("Atelier le 12/10 pour la direction des affaires juridiques", WED, {"directorate": "DAJ"}),
    ("Atelier le 12/10 pour la Direction des achats de l'État", WED, {"directorate": "DAE"}),
    ("Atelier le 12/10 pour la DGCCRF", WED, {"directorate": "DGCCRF"}),
    ("Atelier le 12/10 pour la DNLF", WED, {"directorate": "DNLF"}),
    ("Atelier le 12/10 à Lyon", WED, {"directorate": None}),
]

NON_REQUESTS: list[str] = [
    "Bonne année à tous !",
    "Bonjour à tous",
    "Merci à Julie pour l'animation de notre séminaire de mardi, top !",
    "Thanks for the great workshop yesterday!",
    "Comment devenir facilitateur ? Y a-t-il une formation prévue en 2027 ?",
    "Je suis disponible le 12 octobre pour des facilitations si besoin.",
    "I'm available on Tuesdays in March for facilitation, ping me.",
    "L'atelier du 12 octobre est annulé, désolée.",
    "Le séminaire de jeudi est déjà couvert, merci à tous !",
    "The plenary on Nov 5 has been cancelled.",
    "Où trouver la boîte à outils du facilitateur ?",
    "Je serai absente du 2 au 6 novembre.",
    "Pour info, la prochaine plénière du réseau aura lieu le 7 décembre à Bercy.",
    "",
    "👍",
    "ok merci",
]

REQUESTS_WITHOUT_CUE: list[str] = [
    "Rétro de sprint vendredi 14h à Bercy, 7 pers.",
    "Réunion de service de la DAE jeudi de 10h à 11h30, 25 personnes.",
    "Date : 12/10\nLieu : Lyon\nFormat : atelier",
    "Bjr, qqn pour un codev demain ?",
    "hello, anyone free to run a retro on Friday?",
]

ASSUMED: list[Case] = [
    (
        "le 12 mars de 14h à 16h à Lyon",
        WED,
        {
            "is_request": True,
            "event_date": "2027-03-12",
            "start_time": "14:00",
            "end_time": "16:00",
            "location": "Lyon",
            "modality": "presentiel",
            "facilitators_needed": 1,
            "missing": [],
        },
    ),
    ("en visio", WED, {"modality": "distanciel", "missing": ["event_date", "start_time"]}),
    (
        "!evenement Plénière des facilitateurs le 7 décembre 14h Bercy",
        WED,
        {
            "format": "pleniere",
            "event_date": "2026-12-07",
            "start_time": "14:00",
            "location": "Paris",
        },
    ),
    ("toute la journée", WED, {"duration_minutes": 420, "missing": ["event_date", "place"]}),
    ("", WED, {"is_request": True, "facilitators_needed": 1}),
]

# Daylight saving time: the local date of `now` decides, whatever the offset written.
DST: list[Case] = [
    ("Atelier demain à 10h", "2026-10-24T23:30:00+02:00", {"event_date": "2026-10-25"}),
    ("Atelier demain à 10h", "2026-10-24T22:30:00+00:00", {"event_date": "2026-10-26"}),
    ("Atelier demain à 10h", "2026-10-25T02:30:00+01:00", {"event_date": "2026-10-26"}),
    ("Atelier demain à 10h", "2027-03-27T23:30:00+00:00", {"event_date": "2027-03-29"}),
    ("Atelier demain à 10h", "2027-03-28T03:30:00+02:00", {"event_date": "2027-03-29"}),
    (
        "Atelier la semaine prochaine mercredi",
        "2027-03-27T12:00:00+01:00",
        {"event_date": "2027-03-31"},
    ),
    ("Atelier dans deux semaines", "2026-10-23T18:00:00+02:00", {"event_date": "2026-11-06"}),
    ("Atelier lundi à 9h", "2026-10-25T12:00:00+01:00", {"event_date": "2026-10-26"}),
    ("Atelier demain à 9h", "2027-10-30T23:15:00+00:00", {"event_date": "2027-11-01"}),
    ("Atelier après-demain", "2027-03-26T22:59:00-05:00", {"event_date": "2027-03-29"}),
]
