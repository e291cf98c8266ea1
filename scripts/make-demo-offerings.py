#!/usr/bin/env python3
"""Writes the demo market's offerings and Harrowby's council rates into seed-data/demo.json.

Deterministic (fixed random seed), so running it again rewrites the same data. Every leaf of
catalogue/categories.json gets several offerings from the demo providers that fit it.
Run from the repository root: python3 scripts/make-demo-offerings.py
"""
import json
import random

random.seed(20261123)

# Per leaf: (providers that could sell it, unit, typical public price in pence, title stems, what it is).
LEAVES = {
    "personal-assistants.day-support": (["pa", "brightpath"], "hour", 1650, ["Personal assistant for daytime support", "Daytime PA hours"], "a personal assistant who helps with whatever the day needs: getting out, appointments, errands"),
    "personal-assistants.on-call": (["pa", "brightpath"], "night", 9500, ["On-call PA cover", "Sleep-in and on-call support"], "someone on call overnight who can come round if you need them"),
    "personal-assistants.hospital": (["pa", "brightpath"], "hour", 1800, ["Hospital visit support", "Support during a hospital stay"], "company and practical help while you are in hospital or at appointments"),
    "personal-assistants.travel-companion": (["pa", "rider"], "day", 14500, ["Travel companion for days out", "Holiday travel companion"], "a companion for trips, visits to family and holidays"),
    "personal-care.home-care": (["brightpath", "inhouse"], "hour", 2250, ["Home care visits", "Morning and evening care calls", "Personal care at home"], "help with washing, dressing, medication prompts and meals in your own home"),
    "personal-care.reablement": (["brightpath", "inhouse"], "week", 38000, ["Reablement after hospital", "Six-week reablement programme"], "short-term support to regain skills and confidence after illness or a hospital stay"),
    "personal-care.night-care": (["brightpath"], "night", 16500, ["Waking night care", "Overnight care at home"], "a carer awake through the night for turning, toileting and reassurance"),
    "personal-care.live-in": (["brightpath"], "week", 95000, ["Live-in care", "Live-in companion carer"], "a carer who lives with you and supports you around the clock"),
    "day-activities.arts-crafts": (["lives", "inhouse", "cakes"], "session", 2800, ["Art studio sessions", "Pottery and crafts group", "Creative writing circle"], "relaxed creative sessions with materials and tea included"),
    "day-activities.farm-outdoor": (["greenshoots"], "day", 5500, ["Working farm day", "Horticulture and animal care", "Forest school for adults"], "outdoor days caring for animals, growing food and learning skills on the farm"),
    "day-activities.day-centre": (["inhouse", "lives"], "day", 6200, ["Day centre place", "Community hub day"], "a day of activities, lunch and company at a welcoming centre"),
    "day-activities.specialist-outreach": (["inhouse", "lives"], "session", 4200, ["Autism outreach sessions", "Dementia outreach activities"], "specialist staff who bring activities to you, tailored to your interests"),
    "day-activities.social-clubs": (["lives", "inhouse"], "session", 900, ["Friday social club", "Evening social and disco", "Lunch club"], "meet friends, share a meal and enjoy an activity"),
    "short-breaks.holiday-breaks": (["lives", "greenshoots"], "night", 11000, ["Supported seaside break", "Farm-stay short break"], "a supported holiday with staff who know how to help"),
    "short-breaks.sitting-service": (["brightpath", "pa"], "hour", 1700, ["Sitting service for carers", "Carer break sitting"], "someone to sit with your relative so you can have a few hours off"),
    "short-breaks.residential-respite": (["inhouse"], "night", 19500, ["Residential respite stay", "Planned respite nights"], "planned overnight stays in a homely setting to give families a break"),
    "short-breaks.supported-travel": (["rider", "pa"], "journey", 3500, ["Supported travel to a break", "Escorted trip to respite"], "getting there and back safely with a trained escort"),
    "employment-learning.job-coaching": (["lives", "greenshoots"], "session", 4500, ["Job coaching", "Supported employment coach"], "help to find, start and keep a paid job"),
    "employment-learning.self-employment": (["lives"], "session", 5000, ["Start your own business coaching", "Micro-enterprise mentoring"], "practical help to set up and run a small business"),
    "employment-learning.courses": (["greenshoots", "inhouse", "cakes"], "session", 2500, ["Cookery course", "Computer skills course", "Horticulture course"], "friendly, accessible courses in small groups"),
    "employment-learning.school-support": (["pa", "lives"], "hour", 1900, ["Support at college", "Learning support assistant"], "support to take part in school or college"),
    "transport.journeys": (["rider"], "journey", 1200, ["Door-to-door journeys", "Wheelchair-accessible minibus trips"], "accessible door-to-door transport with trained drivers"),
    "transport.escorted-travel": (["rider", "pa"], "journey", 2400, ["Escorted travel", "Travel buddy"], "an escort who travels with you on public transport or by car"),
    "transport.vehicle-lease": (["rider"], "week", 6500, ["Adapted vehicle hire", "Wheelchair car lease"], "hire of an adapted vehicle by the week"),
    "equipment-technology.daily-living-aids": (["inhouse", "brightpath"], "item", 3500, ["Kitchen aids pack", "Bathing aids", "Grab rails fitted"], "equipment that makes everyday tasks easier, delivered and explained"),
    "equipment-technology.adaptations": (["inhouse"], "item", 45000, ["Level-access shower adaptation", "Ramp installation"], "home adaptations fitted by approved trades"),
    "equipment-technology.assistive-tech": (["inhouse", "lives"], "item", 12000, ["Tablet with accessibility setup", "Smart home starter kit"], "technology set up for you, with training"),
    "equipment-technology.telecare": (["inhouse"], "week", 450, ["Telecare alarm and monitoring", "Falls sensor monitoring"], "a pendant alarm and sensors linked to a 24-hour response centre"),
    "housing-support.supported-living": (["lives", "brightpath"], "week", 62000, ["Supported living", "Shared supported house"], "your own tenancy with support from a small, consistent team"),
    "housing-support.tenancy-support": (["lives", "inhouse"], "hour", 2100, ["Tenancy sustainment", "Help with bills and landlord"], "help to keep your home: bills, repairs, neighbours and forms"),
    "housing-support.floating-support": (["inhouse", "lives"], "hour", 2000, ["Floating support visits", "Visiting housing support"], "visits wherever you live to help you manage"),
    "health-wellbeing.fitness": (["greenshoots", "lives", "inhouse"], "session", 600, ["Chair exercise class", "Inclusive gym session", "Walking football"], "gentle, inclusive exercise with qualified instructors"),
    "health-wellbeing.therapies": (["brightpath", "lives"], "session", 4000, ["Massage therapy", "Music therapy", "Aromatherapy"], "relaxing therapies from qualified practitioners"),
    "health-wellbeing.leisure": (["lives", "greenshoots"], "session", 1500, ["Swimming with support", "Cinema club", "Fishing trips"], "leisure activities with the support you need to enjoy them"),
    "health-wellbeing.pamper": (["cakes", "lives"], "session", 2000, ["Pamper afternoon", "Hair and nails at home"], "a treat: hair, nails and a cup of tea"),
    "advocacy-brokerage.advocacy": (["lives"], "hour", 3000, ["Independent advocacy", "Self-advocacy group"], "an independent advocate who makes sure your voice is heard"),
    "advocacy-brokerage.brokerage": (["lives"], "hour", 3500, ["Support brokerage", "Independent support broker"], "an independent broker who helps you plan and arrange your support"),
    "advocacy-brokerage.peer-support": (["lives"], "session", 1200, ["Peer support group", "One-to-one peer mentor"], "support from people who have been there themselves"),
    "support-planning.planning": (["lives", "inhouse"], "session", 6000, ["Support planning sessions", "Person-centred planning"], "time to think through what matters to you and write a support plan"),
    "support-planning.circles": (["lives"], "session", 3000, ["Circle of support facilitation", "Community connecting"], "a facilitator who helps you build a circle of friends and family"),
    "support-planning.reviews": (["lives", "inhouse"], "session", 4500, ["Support plan review", "Outcomes review meeting"], "a review of how your support is working and what to change"),
    "money-management.managed-accounts": (["lives"], "week", 1500, ["Managed account service", "Budget management"], "we hold and manage your budget, pay invoices and keep records"),
    "money-management.payroll": (["lives"], "week", 900, ["PA payroll service", "Employer support and payroll"], "payroll, pensions and employer paperwork for people who employ PAs"),
    "money-management.bookkeeping": (["lives"], "hour", 2500, ["Direct payment bookkeeping", "Audit-ready records"], "bookkeeping and returns for your direct payment"),
    "meals-household.meals": (["cakes", "inhouse"], "item", 650, ["Hot meal delivery", "Home-cooked frozen meals", "Celebration cakes"], "freshly cooked food delivered to your door"),
    "meals-household.shopping": (["pa", "brightpath"], "hour", 1600, ["Shopping trips", "Weekly shop done for you"], "help with the weekly shop, in person or done for you"),
    "meals-household.cleaning": (["brightpath", "pa"], "hour", 1500, ["Home cleaning", "Deep clean"], "regular cleaning by vetted, friendly staff"),
    "meals-household.gardening": (["greenshoots"], "hour", 1800, ["Garden maintenance", "Allotment help"], "gardening by our supported trainees and staff"),
    "community-resources.time-banks": (["lives"], "session", 300, ["Time bank membership support", "Skills swap sessions"], "help to join and use the local time bank"),
    "community-resources.groups-clubs": (["lives", "greenshoots"], "session", 500, ["Community garden club", "Knit and natter"], "a friendly local group that meets every week"),
    "community-resources.advice": (["lives", "inhouse"], "session", 2000, ["Benefits advice session", "Welfare rights check"], "clear advice on benefits, grants and rights"),
    "community-resources.venues": (["inhouse", "greenshoots"], "session", 3000, ["Accessible room hire", "Sensory room hire"], "an accessible space to hire for your group or event"),
}
QUALIFIERS = ["", "Flexible", "Weekend", "Small-group", "Culturally matched", "Dementia-friendly", "Evening", "Bespoke"]
AREAS = ["HA0", "HA1", "HA2", "HA3", "HA5", "HA7", "HA8", "NW9", "NW10", "UB6"]
LANGUAGES = ["Gujarati", "Hindi", "Urdu", "Polish", "Tamil", "Somali", "Arabic", "Romanian", "BSL"]
CULTURAL = ["South Asian", "Muslim", "Jewish", "Black Caribbean", "LGBTQ+ friendly", "Eastern European"]
DIETARY = ["halal", "kosher", "vegetarian", "vegan", "gluten_free"]
TIMES = ["weekday_daytime", "weekday_evening", "weekend", "overnight"]

offerings = []
for category, (providers, unit, price, stems, what) in LEAVES.items():
    count = 5 + random.randint(0, 2)
    for index in range(count):
        provider = providers[index % len(providers)]
        stem = stems[index % len(stems)]
        qualifier = QUALIFIERS[(index // len(stems)) % len(QUALIFIERS)]
        title = f"{qualifier} {stem.lower()}".strip().capitalize() if qualifier else stem
        languages = ["English"] + random.sample(LANGUAGES, random.randint(0, 2))
        cultural = random.sample(CULTURAL, random.randint(0, 1))
        attributes = {
            "languages": languages,
            "staff_genders": random.sample(["female", "male"], random.randint(1, 2)),
            "wheelchair_accessible": random.random() < 0.6,
            "cultural_needs": cultural,
            "dietary_needs": random.sample(DIETARY, random.randint(0, 2)) if category.startswith(("meals", "day-activities", "short-breaks")) else [],
            "times_available": sorted(random.sample(TIMES, random.randint(1, 3)), key=TIMES.index),
        }
        spoken = ", ".join(languages)
        description = (f"{what[0].upper()}{what[1:]}. Staff speak {spoken}. "
                       f"{'Step-free access throughout. ' if attributes['wheelchair_accessible'] else ''}"
                       f"Ask us about trial sessions and how we match you with the right people.")
        offerings.append({
            "provider": provider,
            "title": title[:120],
            "description": description,
            "category": category,
            "unit": unit,
            "public_price_pence": int(price * random.uniform(0.85, 1.2)) // 5 * 5,
            "areas": sorted(random.sample(AREAS, random.randint(2, 6)), key=AREAS.index),
            "attributes": attributes,
            "published": index != count - 1 or random.random() < 0.5,
        })

# Harrowby agreed rates for about one offering in six, 5-15% under the public price.
rates = []
for offering in offerings:
    if offering["published"] and random.random() < 0.17:
        rates.append({
            "council": "harrowby",
            "provider": offering["provider"],
            "offering_title": offering["title"],
            "rate_pence": int(offering["public_price_pence"] * random.uniform(0.85, 0.95)) // 5 * 5,
            "valid_from": "2026-01-01",
        })

with open("seed-data/demo.json") as file:
    demo = json.load(file)
demo["offerings"] = offerings
demo["council_rates"] = rates
with open("seed-data/demo.json", "w") as file:
    json.dump(demo, file, indent=2, ensure_ascii=False)
    file.write("\n")
print(f"{len(offerings)} offerings, {len(rates)} council rates")
