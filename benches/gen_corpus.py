#!/usr/bin/env python3
"""Deterministic synthetic corpus of UK police press releases, for benchmarks.

Usage (from the repository root):
    python3 benches/gen_corpus.py --count N --seed S --out DIR

This is blotter's own copy of the team's reference generator
(../shared/bench/gen_corpus.py): it draws the same random numbers in the same
order, so `--count 100000 --seed 1` gives byte for byte the corpus the
performance targets of issue 5 were set on. Keep it that way: a change that
alters the draws changes every measured corpus. benches/archive.sh uses it.

Sidecar front matter uses only `tags`, `title` and `area` (blotter accepts
`title`, `area`, `date`, `tags`, `corrections`, `notes`, `related` and rejects
unknown keys), so `blotter check` reports no errors on any generated corpus.

Writes DIR/releases/NNNNNN_<hex16>.txt (NNNNNN = zero-padded index, 0-based;
hex16 = 16 random hex digits) and, for about 20% of releases, a sidecar
DIR/releases/NNNNNN_<hex16>.md with the same stem. Same --count and --seed
give byte-identical files (Python 3 stdlib only; random.Random(seed)).
Nothing else is written; DIR/releases is created if missing and files in it
with the same names are overwritten.

Release file shapes (the three seen in real data):

 (a) ~60%: a fenced YAML block, a blank line, then the plain-text body.

        ```yaml
        area: West Mercia
        og:
          description: <first paragraph, up to ~200 chars, '£' written as &#163;>
          image: https://www.<host>/SysSiteAssets/...jpg?crop=(0,0,600,315)&amp;w=600&amp;h=300&amp;scale=both
          locale: en_GB
          title: <title>
          type: website
          url: https://www.<host>/news/<area-slug>/news/<yyyy>/<month>/<title-slug>/
        publish:
          date: 13:36 02/07/2020
        title: <title> | <force name>
        url: <same as og.url>
        ```

        <body>

     publish.date is "HH:MM DD/MM/YYYY", British day-first, UK local time.
     Scalars are written plain when safe, otherwise YAML double-quoted with
     JSON-style escapes (non-ASCII as \\uXXXX, as PyYAML does by default).

 (b) ~25%: the same YAML block without `publish:`; the body's first line is
     the date "HH:MM DD/MM/YYYY", then a blank line, then the body proper.

 (c) ~15%: no YAML; the first line is " date YYYY-MM-DD <Title>" (one
     leading space), then a blank line, then the body. No area, no time.

Body: plain text (not markdown), 3-8 KB, paragraphs separated by one blank
line (sometimes several), bullet lists as consecutive lines starting " * ",
quoted speech with straight or curly quotes, £ amounts, en dashes, Welsh
place names. Some bodies repeat the first paragraph (as real pages do).

Areas: the 45 UK territorial police forces, the NCA and the regional
organised crime units (55 areas). Dates: 2008-01-01 .. 2026-12-31.
Titles: built from templates, so some repeat naturally; about 4% are generic
titles shared by many releases ("Appeal for witnesses") and about 2% copy
an earlier release's title exactly (slug collisions).

Sidecar .md (commentary by a maintainer), ~20% of releases:

        ---
        tags: [drugs, encrochat]
        ---
        <markdown: paragraphs with emphasis, links, lists, blockquotes;
         ~1/3 contain a fenced code block (```json / ```yaml / ```text)>

A few sidecars also carry `title:` or `area:` overrides in the front matter.
"""

import argparse
import os
import random
import sys
from datetime import date, timedelta

# (area as written in YAML, force name used in " | <name>" titles, host, places)
FORCES = [
    ("Avon and Somerset", "Avon and Somerset Police", "avonandsomerset.police.uk",
     ["Bristol", "Bath", "Weston-super-Mare", "Taunton", "Yeovil", "Bridgwater"]),
    ("Bedfordshire", "Bedfordshire Police", "beds.police.uk",
     ["Luton", "Bedford", "Dunstable", "Leighton Buzzard", "Biggleswade"]),
    ("Cambridgeshire", "Cambridgeshire Constabulary", "cambs.police.uk",
     ["Cambridge", "Peterborough", "Huntingdon", "Wisbech", "Ely", "St Neots"]),
    ("Cheshire", "Cheshire Constabulary", "cheshire.police.uk",
     ["Chester", "Warrington", "Crewe", "Macclesfield", "Runcorn", "Widnes"]),
    ("City of London", "City of London Police", "cityoflondon.police.uk",
     ["the Square Mile", "Bishopsgate", "Cheapside", "Moorgate", "Aldgate"]),
    ("Cleveland", "Cleveland Police", "cleveland.police.uk",
     ["Middlesbrough", "Hartlepool", "Stockton-on-Tees", "Redcar", "Billingham"]),
    ("Cumbria", "Cumbria Constabulary", "cumbria.police.uk",
     ["Carlisle", "Barrow-in-Furness", "Kendal", "Workington", "Whitehaven", "Penrith"]),
    ("Derbyshire", "Derbyshire Constabulary", "derbyshire.police.uk",
     ["Derby", "Chesterfield", "Buxton", "Ilkeston", "Glossop", "Matlock"]),
    ("Devon and Cornwall", "Devon and Cornwall Police", "devon-cornwall.police.uk",
     ["Plymouth", "Exeter", "Torquay", "Truro", "Newquay", "Barnstaple", "Penzance"]),
    ("Dorset", "Dorset Police", "dorset.police.uk",
     ["Bournemouth", "Poole", "Weymouth", "Dorchester", "Bridport"]),
    ("Durham", "Durham Constabulary", "durham.police.uk",
     ["Durham", "Darlington", "Bishop Auckland", "Peterlee", "Consett", "Newton Aycliffe"]),
    ("Essex", "Essex Police", "essex.police.uk",
     ["Chelmsford", "Colchester", "Southend-on-Sea", "Basildon", "Harlow", "Clacton-on-Sea"]),
    ("Gloucestershire", "Gloucestershire Constabulary", "gloucestershire.police.uk",
     ["Gloucester", "Cheltenham", "Stroud", "Tewkesbury", "Cirencester"]),
    ("Greater Manchester", "Greater Manchester Police", "gmp.police.uk",
     ["Manchester", "Salford", "Bolton", "Oldham", "Rochdale", "Wigan", "Stockport"]),
    ("Hampshire and Isle of Wight", "Hampshire and Isle of Wight Constabulary", "hampshire.police.uk",
     ["Southampton", "Portsmouth", "Winchester", "Basingstoke", "Newport", "Ryde"]),
    ("Hertfordshire", "Hertfordshire Constabulary", "herts.police.uk",
     ["Watford", "St Albans", "Stevenage", "Hemel Hempstead", "Hatfield", "Hitchin"]),
    ("Humberside", "Humberside Police", "humberside.police.uk",
     ["Hull", "Grimsby", "Scunthorpe", "Bridlington", "Goole"]),
    ("Kent", "Kent Police", "kent.police.uk",
     ["Maidstone", "Canterbury", "Dover", "Folkestone", "Margate", "Ashford", "Gravesend"]),
    ("Lancashire", "Lancashire Constabulary", "lancashire.police.uk",
     ["Preston", "Blackpool", "Blackburn", "Burnley", "Lancaster", "Morecambe"]),
    ("Leicestershire", "Leicestershire Police", "leics.police.uk",
     ["Leicester", "Loughborough", "Hinckley", "Melton Mowbray", "Oakham"]),
    ("Lincolnshire", "Lincolnshire Police", "lincs.police.uk",
     ["Lincoln", "Boston", "Grantham", "Skegness", "Spalding", "Gainsborough"]),
    ("Merseyside", "Merseyside Police", "merseyside.police.uk",
     ["Liverpool", "Birkenhead", "St Helens", "Southport", "Bootle", "Kirkby"]),
    ("Metropolitan", "Metropolitan Police", "met.police.uk",
     ["Croydon", "Hackney", "Lambeth", "Tower Hamlets", "Ealing", "Barnet", "Southwark"]),
    ("Norfolk", "Norfolk Constabulary", "norfolk.police.uk",
     ["Norwich", "Great Yarmouth", "King's Lynn", "Thetford", "Cromer"]),
    ("Northamptonshire", "Northamptonshire Police", "northants.police.uk",
     ["Northampton", "Kettering", "Corby", "Wellingborough", "Daventry"]),
    ("Northumbria", "Northumbria Police", "northumbria.police.uk",
     ["Newcastle", "Sunderland", "Gateshead", "North Shields", "Blyth", "Hexham"]),
    ("North Yorkshire", "North Yorkshire Police", "northyorkshire.police.uk",
     ["York", "Harrogate", "Scarborough", "Whitby", "Northallerton", "Selby"]),
    ("Nottinghamshire", "Nottinghamshire Police", "nottinghamshire.police.uk",
     ["Nottingham", "Mansfield", "Newark", "Worksop", "Beeston", "Arnold"]),
    ("South Yorkshire", "South Yorkshire Police", "southyorkshire.police.uk",
     ["Sheffield", "Doncaster", "Rotherham", "Barnsley", "Mexborough"]),
    ("Staffordshire", "Staffordshire Police", "staffordshire.police.uk",
     ["Stoke-on-Trent", "Stafford", "Burton upon Trent", "Tamworth", "Lichfield", "Leek"]),
    ("Suffolk", "Suffolk Constabulary", "suffolk.police.uk",
     ["Ipswich", "Bury St Edmunds", "Lowestoft", "Felixstowe", "Sudbury"]),
    ("Surrey", "Surrey Police", "surrey.police.uk",
     ["Guildford", "Woking", "Epsom", "Redhill", "Staines", "Camberley"]),
    ("Sussex", "Sussex Police", "sussex.police.uk",
     ["Brighton", "Crawley", "Eastbourne", "Hastings", "Worthing", "Chichester"]),
    ("Thames Valley", "Thames Valley Police", "thamesvalley.police.uk",
     ["Oxford", "Reading", "Slough", "Milton Keynes", "High Wycombe", "Banbury"]),
    ("Warwickshire", "Warwickshire Police", "warwickshire.police.uk",
     ["Warwick", "Leamington Spa", "Nuneaton", "Rugby", "Stratford-upon-Avon"]),
    ("West Mercia", "West Mercia Police", "westmercia.police.uk",
     ["Worcester", "Shrewsbury", "Hereford", "Telford", "Kidderminster", "Ludlow"]),
    ("West Midlands", "West Midlands Police", "west-midlands.police.uk",
     ["Birmingham", "Coventry", "Wolverhampton", "Walsall", "Dudley", "Solihull", "Oldbury"]),
    ("West Yorkshire", "West Yorkshire Police", "westyorkshire.police.uk",
     ["Leeds", "Bradford", "Huddersfield", "Wakefield", "Halifax", "Dewsbury"]),
    ("Wiltshire", "Wiltshire Police", "wiltshire.police.uk",
     ["Swindon", "Salisbury", "Chippenham", "Trowbridge", "Devizes"]),
    ("Dyfed-Powys", "Dyfed-Powys Police", "dyfed-powys.police.uk",
     ["Aberystwyth", "Caerfyrddin", "Llanelli", "Machynlleth", "Ystradgynlais", "Llandrindod Wells"]),
    ("Gwent", "Gwent Police", "gwent.police.uk",
     ["Newport", "Cwmbrân", "Pont-y-pŵl", "Abergavenny", "Ebbw Vale", "Caerffili"]),
    ("North Wales", "North Wales Police", "northwales.police.uk",
     ["Caernarfon", "Bangor", "Ynys Môn", "Llandudno", "Wrecsam", "Betws-y-Coed", "Porthmadog"]),
    ("South Wales", "South Wales Police", "south-wales.police.uk",
     ["Cardiff", "Swansea", "Merthyr Tudful", "Pen-y-bont ar Ogwr", "Pontypridd", "Aberdâr"]),
    ("Police Scotland", "Police Scotland", "scotland.police.uk",
     ["Glasgow", "Edinburgh", "Aberdeen", "Dundee", "Inverness", "Paisley", "Stirling"]),
    ("Northern Ireland", "Police Service of Northern Ireland", "psni.police.uk",
     ["Belfast", "Derry~Londonderry", "Newry", "Enniskillen", "Omagh", "Lisburn"]),
    ("National Crime Agency", "National Crime Agency", "nationalcrimeagency.gov.uk",
     ["London", "Dover", "Heathrow", "Felixstowe", "Manchester Airport", "Belfast"]),
    ("West Midlands ROCU", "West Midlands Regional Organised Crime Unit", "wmrocu.police.uk",
     ["Birmingham", "Coventry", "Worcester", "Stoke-on-Trent", "Warwick"]),
    ("East Midlands Special Operations Unit", "East Midlands Special Operations Unit", "emsou.police.uk",
     ["Nottingham", "Derby", "Leicester", "Lincoln", "Northampton"]),
    ("North West ROCU", "North West Regional Organised Crime Unit", "titan.police.uk",
     ["Liverpool", "Manchester", "Preston", "Chester", "Carlisle"]),
    ("North East ROCU", "North East Regional Organised Crime Unit", "nerocu.police.uk",
     ["Newcastle", "Durham", "Middlesbrough", "Sunderland"]),
    ("Yorkshire and the Humber ROCU", "Yorkshire and the Humber Regional Organised Crime Unit",
     "yhrocu.police.uk", ["Leeds", "Sheffield", "Hull", "York", "Bradford"]),
    ("Eastern Region Special Operations Unit", "Eastern Region Special Operations Unit",
     "ersou.police.uk", ["Cambridge", "Norwich", "Ipswich", "Chelmsford", "Luton"]),
    ("South East ROCU", "South East Regional Organised Crime Unit", "serocu.police.uk",
     ["Reading", "Maidstone", "Brighton", "Guildford", "Southampton"]),
    ("South West ROCU", "South West Regional Organised Crime Unit", "swrocu.police.uk",
     ["Bristol", "Exeter", "Plymouth", "Swindon", "Bournemouth"]),
    ("Tarian ROCU", "Tarian Regional Organised Crime Unit", "tarian.police.uk",
     ["Cardiff", "Swansea", "Newport", "Llanelli", "Pen-y-bont ar Ogwr"]),
]

MONTHS = ["january", "february", "march", "april", "may", "june", "july",
          "august", "september", "october", "november", "december"]
MONTHS_T = [m.capitalize() for m in MONTHS]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Victoria Street",
           "Park Avenue", "London Road", "Queen's Road", "King Street", "Market Place",
           "Bridge Street", "Heol y Frenhines", "Ffordd yr Orsaf", "Stryd Fawr",
           "Castle Hill", "Albert Road", "New Street", "Green Lane", "Manor Way",
           "Canal Side", "Abbey Road", "the A38", "the M6 northbound", "the A55 near junction 11",
           "the M4 between junctions 32 and 33", "Cromwell Road", "Ffordd Penrhos"]
FIRST = ["James", "Daniel", "Thomas", "Callum", "Liam", "Ryan", "Connor", "Jordan", "Lewis",
         "Dylan", "Rhys", "Gareth", "Aled", "Dafydd", "Siân", "Ffion", "Carys", "Megan",
         "Chloe", "Sophie", "Jade", "Amy", "Mohammed", "Ahmed", "Bilal", "Kieran", "Seán",
         "Niamh", "Aoife", "Stuart", "Craig", "Fraser", "Lauren", "Zoë", "Renée", "Marek",
         "Tomasz", "Andrei", "Kwame", "Tunde", "Priya", "Harpreet", "Jamal", "Leon"]
LAST = ["Smith", "Jones", "Williams", "Taylor", "Davies", "Evans", "Thomas", "Roberts",
        "Hughes", "Lewis", "Walker", "Wright", "Hall", "Green", "Wood", "Morgan", "Price",
        "Griffiths", "ap Rhys", "O'Neill", "McAllister", "MacDonald", "Kowalski", "Patel",
        "Khan", "Begum", "Okafor", "Brown", "Clarke", "Harrison", "Ellis", "Pryce", "Owen",
        "Llewellyn", "Ó Briain", "Novák", "Baptiste", "Mensah", "Singh", "Ahmed"]
RANKS = ["Detective Constable", "Detective Sergeant", "Detective Inspector",
         "Detective Chief Inspector", "Detective Superintendent", "Inspector", "Sergeant",
         "Police Constable", "Chief Inspector", "Superintendent", "Chief Superintendent",
         "Assistant Chief Constable", "Deputy Chief Constable", "Chief Constable",
         "Neighbourhood Inspector", "PCSO"]
COURTS = ["Cardiff Crown Court", "Swansea Crown Court", "Mold Crown Court", "Caernarfon Crown Court",
          "Birmingham Crown Court", "Leeds Crown Court", "Manchester Crown Court",
          "Liverpool Crown Court", "Bristol Crown Court", "Nottingham Crown Court",
          "Snaresbrook Crown Court", "the Old Bailey", "Newcastle Crown Court", "Exeter Crown Court",
          "Lincoln Crown Court", "Maidstone Crown Court", "Preston Crown Court",
          "Glasgow High Court", "Belfast Crown Court", "Chelmsford Crown Court"]
MCOURTS = ["Westminster Magistrates' Court", "Llandudno Magistrates' Court",
           "Cardiff Magistrates' Court", "Birmingham Magistrates' Court",
           "Leeds Magistrates' Court", "Manchester and Salford Magistrates' Court",
           "Bristol Magistrates' Court", "Nottingham Magistrates' Court",
           "Sheffield Magistrates' Court", "Highbury Corner Magistrates' Court"]
OFFENCES = ["possession with intent to supply class A drugs", "burglary", "robbery",
            "assault occasioning actual bodily harm", "grievous bodily harm with intent",
            "dangerous driving", "causing death by dangerous driving", "theft of a motor vehicle",
            "conspiracy to supply cocaine", "money laundering", "possession of a firearm",
            "possession of an offensive weapon", "fraud by false representation",
            "arson with intent to endanger life", "affray", "criminal damage",
            "drink driving", "modern slavery offences", "stalking", "handling stolen goods",
            "conspiracy to commit burglary", "possession of indecent images",
            "attempted murder", "murder", "wounding with intent", "failing to stop"]
INCIDENTS = ["serious assault", "burglary", "robbery at a convenience store",
             "collision involving a motorcycle", "fatal collision", "house fire",
             "disturbance outside a pub", "stabbing", "theft of farm machinery",
             "break-in at a village hall", "hit-and-run", "arson attack", "car key burglary",
             "attempted robbery", "report of a man with a knife", "theft from a pharmacy",
             "sudden death", "disturbance at a takeaway", "cash machine theft",
             "theft of catalytic converters"]
DRUGS = ["cocaine", "heroin", "cannabis", "crack cocaine", "MDMA", "ketamine", "amphetamine"]
OPS = ["Venetic", "Tarian", "Dragon", "Orochi", "Sceptre", "Encompass", "Trident",
       "Blaze", "Castell", "Ffalcon", "Hawk", "Kestrel", "Sentinel", "Vanguard", "Eryr",
       "Red Kite", "Harbour", "Lantern", "Ironclad", "Bluebell"]
VEHICLES = ["a silver Ford Focus", "a black Audi A3", "a white Transit van",
            "a blue Vauxhall Corsa", "a grey BMW 3 Series", "a red Honda motorcycle",
            "a green Land Rover Defender", "a white Mercedes Sprinter", "a black Range Rover"]

GENERIC_TITLES = [
    "Appeal for witnesses", "Police appeal", "Man charged", "Woman charged",
    "Missing man found", "Missing woman found", "Statement from the Chief Constable",
    "Update: missing teenager found safe", "Road closure", "Witness appeal",
    "Arrests made following disorder", "Can you help?",
]

TITLE_T = [
    "{Sex} charged after {incident} in {place}",
    "Appeal for witnesses following {incident} in {place}",
    "Officers seize £{amt} of {drug} in {place} raid",
    "{name} jailed for {offence}",
    "{name}, {age}, sentenced to {years} years",
    "Missing {person} from {place} found safe",
    "Police appeal after {incident} on {street}",
    "{count} arrested in Operation {op} drugs crackdown",
    "{place} dealer jailed – £{amt} of {drug} recovered",
    "Operation {op}: {count} charged over county lines network",
    "Can you help identify this man? {place} {incident}",
    "Update: {incident} in {place}",
    "Man dies after {incident} in {place}",
    "Drivers warned after rise in {incident}s across {area}",
    "Police issue warning over phone scams in {place}",
    "Dispersal order in place for {place} town centre",
    "Officers make {count} arrests during week of action in {place}",
    "“Callous” {place} burglar jailed",
    "Court result: {name} ({age}) – {offence}",
    "Cannabis factory found in {place} – {count} arrested",
    "{area} officers help UK’s biggest law enforcement operation",
    "Police seize £{amt} in criminal cash during Operation {op}",
]

OPEN_T = [
    "Officers in {place} are appealing for witnesses after a {incident} on {street} on {weekday} ({dmy}).",
    "A {age}-year-old {man} from {place} has been charged with {offence} following an investigation by {area} officers.",
    "{name}, {age}, of {street}, {place}, has been jailed for {years} years after pleading guilty to {offence} at {court}.",
    "Police are investigating after a {incident} in {place} in the early hours of {weekday} morning.",
    "More than £{amt} of suspected {drug} has been seized and {count} people arrested as part of Operation {op}, a long-running investigation into organised crime in {place}.",
    "Detectives investigating a {incident} on {street} in {place} have released an image of a man they would like to speak to.",
    "Concern is growing for the welfare of a {age}-year-old {man} who has been reported missing from {place}.",
    "Officers from {area} carried out {count} warrants across {place} and the surrounding area on {weekday} as part of a week of action targeting {offence}.",
]

DETAIL_T = [
    "Emergency services were called to {street} at around {hm} following reports of a {incident}. A {man} in {hisher} {decade}s was taken to hospital with injuries described as {injury}.",
    "It is believed the suspect left the scene in {vehicle}, which was later found abandoned on {street2}.",
    "The {victim} was approached by two men who demanded {item} before making off in the direction of {street2}.",
    "Officers attended and found a significant quantity of {drug}, cash totalling £{amt2} and a number of mobile phones.",
    "Enquiries are ongoing to establish the full circumstances of what happened, and a scene guard remains in place on {street}.",
    "The road was closed for around {hours} hours while collision investigators examined the scene. It has since reopened.",
    "A search of the property uncovered a cannabis factory with more than {plants} plants spread across {rooms} rooms, along with {item}.",
    "CCTV enquiries led officers to {vehicle} registered to an address in {place2}, where the suspect was arrested a short time later.",
    "The court heard that {name} had targeted homes in {place} and {place2} over a period of {weeks} weeks, stealing {item} and causing damage estimated at £{amt2}.",
    "{name} was stopped by officers on {street} on {dmy2} and found to be in possession of {drug} worth an estimated £{amt2} at street level.",
    "The investigation, which began in {monthname} {yr}, uncovered a network supplying {drug} from {place2} into {place} using a dedicated phone line – a practice known as county lines.",
    "A post-mortem examination is due to take place and the family of the {man} have been informed and are being supported by specially trained officers.",
    "Forensic examinations of the scene have been completed and officers have carried out house-to-house enquiries in the area.",
    "The vehicle, {vehicle}, had been reported stolen from {place2} earlier that evening and was found with false registration plates.",
    "At sentencing, the judge said the offences had caused “real fear and distress” in the community and that a custodial sentence was the only option.",
    "Officers also recovered {item}, which has been sent for forensic examination, and a quantity of cash believed to be the proceeds of crime.",
]

ARREST_T = [
    "A {age}-year-old {man} from {place2} was arrested on suspicion of {offence} and has been released on bail while enquiries continue.",
    "{name}, {age}, of {street}, {place}, has been charged with {offence} and is due to appear at {mcourt} on {dmy2}.",
    "{name} was sentenced at {court} on {weekday} to {years} years and {months} months in prison.",
    "Two men, aged {age} and {age2}, have been arrested on suspicion of {offence} and remain in police custody.",
    "{name} was remanded in custody and will next appear at {court} on {dmy2}.",
    "In addition to the prison sentence, {name} was disqualified from driving for {years} years and must pass an extended retest before driving again.",
    "A proceeds of crime hearing will take place at a later date to recover assets worth an estimated £{amt2}.",
]

QUOTE_T = [
    "{rank} {oname}, who led the investigation, said: {lq}This was a {adj} incident which has understandably caused concern in the local community. I would like to reassure residents that we are doing everything we can to find those responsible.{rq}",
    "{lq}We know that drugs cause misery on our streets and lead to other crimes such as burglary and violence,{rq} said {rank} {oname}. {lq}Today’s result sends a clear message to anyone involved in supply that we will find you and put you before the courts.{rq}",
    "{rank} {oname} added: {lq}I would like to thank the public for their patience while the road was closed, and for the information we have already received.{rq}",
    "Speaking after the sentencing, {rank} {oname} said: {lq}{name} showed no remorse for {hisher} actions. The victims have shown great courage in supporting this prosecution and I hope today’s sentence brings them some closure.{rq}",
    "{lq}County lines gangs exploit vulnerable people, including children, to move drugs and cash,{rq} said {rank} {oname}. {lq}Operation {op} is about protecting those people as much as it is about arresting dealers.{rq}",
    "{lq}We understand that incidents like this can be worrying,{rq} said {rank} {oname}. {lq}Residents will see an increased police presence in {place} over the coming days – please stop and speak to officers if you have any concerns.{rq}",
    "{rank} {oname} said: {lq}Our thoughts are with {hisher} family and friends at this incredibly difficult time. We are working hard to establish exactly what happened and I would urge anyone with dashcam footage to come forward.{rq}",
    "{lq}This has been a complex, months-long investigation,{rq} said {rank} {oname}. {lq}It would not have been possible without the hard work of officers and staff across {area} and our partners at the National Crime Agency.{rq}",
    "A spokesperson for {area} said: \"We are aware of speculation on social media and would ask people not to share unverified information, out of respect for the family and so as not to prejudice any future proceedings.\"",
    "{rank} {oname} said: \"The public are our eyes and ears. Information from the community was key to this result and I would encourage anyone with concerns about drug dealing in their area to report it.\"",
]

BACK_T = [
    "The force has seen a {pct}% reduction in {offence} in {place} over the past twelve months, following a sustained programme of patrols and partnership work with the local authority.",
    "Officers are working closely with partners including the local council, housing providers and youth services to tackle the root causes of antisocial behaviour in the area.",
    "Operation {op} was launched in {yr} to target the organised crime groups responsible for the supply of {drug} across the region. Since then it has led to {count} arrests and the seizure of more than £{amt} in cash.",
    "Residents are reminded to keep doors and windows locked, to keep car keys away from the front door and to consider registering valuable items on an approved property register.",
    "The investigation is being supported by the {unit}, which leads on serious and organised crime across the region.",
    "Neighbourhood officers will be holding a drop-in surgery at {place} library on {weekday} between 10am and 2pm for anyone who would like advice or to raise concerns.",
    "The Independent Office for Police Conduct (IOPC) has been notified, as is standard procedure following contact with police prior to the incident.",
    "A Section 60 order, giving officers additional powers to stop and search, was in place in parts of {place} until 6am on {weekday}.",
    "Since the beginning of the year, officers in {place} have taken {count} knives and other weapons off the streets through a mix of intelligence-led stop and search, weapons sweeps and amnesty bins.",
    "Fraudsters often pose as police officers or bank staff and ask victims to transfer money or hand over cards. Police or banks will never ask you to do this.",
    "The dispersal order covers {place} town centre, including {street} and {street2}, and allows officers to direct anyone behaving in an antisocial manner to leave the area for up to 48 hours.",
    "Between {dm1} and {dm2}, officers carried out {count} stop checks, issued {count2} traffic offence reports and seized {vehicles} vehicles for having no insurance.",
]

BULLET_INTRO = [
    "Officers seized:", "During the operation officers recovered:", "The week of action resulted in:",
    "Police are offering the following advice:", "Anyone with information can:",
    "The results so far include:", "{name} was found guilty of:",
]
BULLET_ITEMS = [
    "£{amt2} in cash", "{kg}kg of suspected {drug}", "{phones} mobile phones",
    "{count} arrests for offences including {offence}", "a loaded handgun and ammunition",
    "a quantity of designer clothing and jewellery", "{vehicles} vehicles, including {vehicle}",
    "lock your car and keep keys out of sight", "report suspicious activity on 101 or online",
    "never give your bank details over the phone", "speak to a neighbourhood officer",
    "one count of {offence}", "two counts of {offence}", "a cannabis grow with {plants} plants",
    "a machete and two knuckledusters", "£{amt2} of counterfeit goods",
    "call Crimestoppers anonymously on 0800 555 111", "use the force’s online reporting tool",
]

APPEAL_T = [
    "Anyone with information is asked to call 101 quoting incident {ref}, or contact the independent charity Crimestoppers anonymously on 0800 555 111.",
    "Anyone who witnessed the incident, or who has dashcam, doorbell or CCTV footage from the area between {hm} and {hm2}, is asked to contact police via 101 or online, quoting reference {ref}.",
    "If you have information about drug dealing in your community, please report it to police on 101 or online. In an emergency always call 999.",
    "Anyone who sees {pname} or knows where {heshe} might be is asked to call 999 immediately, quoting reference {ref}.",
    "Information can also be given anonymously to Crimestoppers on 0800 555 111 or via its website. Crimestoppers never asks for your name and cannot trace calls.",
]

INJURY = ["serious but not life-threatening", "life-threatening", "minor", "life-changing",
          "a broken arm and facial injuries", "stab wounds"]
ITEMS = ["a quantity of jewellery", "a laptop and two games consoles", "power tools worth £3,000",
         "a safe containing cash", "a quad bike", "a number of designer handbags",
         "a lanyard and a set of keys", "a Rolex watch", "a sawn-off shotgun", "cash and cigarettes"]
ADJ = ["shocking", "frightening", "senseless", "deeply upsetting", "completely unacceptable",
       "serious"]
UNITS = ["Regional Organised Crime Unit", "Serious and Organised Crime Unit",
         "Major Crime Investigation Team", "Economic Crime Unit", "Tarian Regional Organised Crime Unit",
         "East Midlands Special Operations Unit", "Regional Asset Recovery Team"]
PERSON = ["man", "woman", "teenager", "boy", "girl", "pensioner"]

CM_TAGS = ["drugs", "encrochat", "county-lines", "roads", "burglary", "fraud", "missing-persons",
           "firearms", "knife-crime", "court-result", "appeal", "correction", "duplicate",
           "welsh-language", "data-quality", "operation-venetic", "poca", "iopc"]
CM_PARA = [
    "This release was published by {area} on the same day as several others about Operation {op}; the figures quoted here are the force's own and differ from the national totals.",
    "The original page used a *stock image* rather than a photograph of the scene. The `og.image` field still points at it.",
    "The date shown on the force website was the date of **publication**, not of the incident. The incident happened on {dmy2}, according to the body text.",
    "Compare with the [court listing]({curl}) for {name}; the sentence reported here matches the listing.",
    "The force later issued a correction: the amount seized was £{amt2}, not £{amt} as first stated.",
    "The place name appears as both “{place}” and its English form in different releases; we keep the spelling the force used.",
    "> {lq}Anyone with information is asked to call 101.{rq}\n>\n> The standard appeal wording – kept verbatim here because it is quoted elsewhere.",
    "Related releases:\n\n- the arrest on {dmy2}\n- the charge, a week later\n- the sentencing at {court}",
    "This is one of the releases scraped twice with different titles; the second copy has been kept so that old links still work.",
]
CM_CODE = [
    "```json\n{{\n  \"reference\": \"{ref}\",\n  \"seized_gbp\": {amt_raw},\n  \"arrests\": {count}\n}}\n```",
    "```yaml\narea: {area}\noperation: {op}\ncorrected: true\n```",
    "```text\n{hm} {dmy}  {place}  ref {ref}\n```",
]


def yaml_scalar(s):
    """Plain YAML scalar when safe, else double-quoted with \\u escapes."""
    if (s and s.isascii() and s[0] not in "-?:,[]{}#&*!|>'\"%@`" and ": " not in s
            and " #" not in s and s[-1] not in ": " and s.strip() == s and "\\" not in s):
        return s
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append("\\x%02X" % o)
        elif o < 0x7F:
            out.append(ch)
        elif o < 0x100:
            out.append("\\x%02X" % o)
        elif o < 0x10000:
            out.append("\\u%04X" % o)
        else:
            out.append("\\U%08X" % o)
    out.append('"')
    return "".join(out)


def slugify(s):
    out = []
    dash = False
    for ch in s.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def money(rng, lo, hi):
    v = rng.randint(lo, hi)
    return "{:,}".format(v), v


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.start = date(2008, 1, 1)
        self.span = (date(2026, 12, 31) - self.start).days + 1
        self.titles = []

    def slots(self, force):
        r = self.r
        area, fname, host, places = force
        d = self.start + timedelta(days=r.randrange(self.span))
        d2 = d + timedelta(days=r.randint(1, 60))
        male = r.random() < 0.75
        s = {
            "area": area if r.random() < 0.7 else fname,
            "place": r.choice(places),
            "place2": r.choice(places),
            "street": r.choice(STREETS),
            "street2": r.choice(STREETS),
            "name": "%s %s" % (r.choice(FIRST), r.choice(LAST)),
            "pname": "%s" % r.choice(FIRST),
            "oname": "%s %s" % (r.choice(FIRST), r.choice(LAST)),
            "rank": r.choice(RANKS),
            "age": r.randint(16, 72), "age2": r.randint(16, 60),
            "offence": r.choice(OFFENCES), "incident": r.choice(INCIDENTS),
            "drug": r.choice(DRUGS), "op": r.choice(OPS), "vehicle": r.choice(VEHICLES),
            "court": r.choice(COURTS), "mcourt": r.choice(MCOURTS),
            "weekday": WEEKDAYS[d.weekday()],
            "dmy": "%d %s %d" % (d.day, MONTHS_T[d.month - 1], d.year),
            "dmy2": "%d %s %d" % (d2.day, MONTHS_T[d2.month - 1], d2.year),
            "dm1": "%d %s" % (d.day, MONTHS_T[d.month - 1]),
            "dm2": "%d %s" % (d2.day, MONTHS_T[d2.month - 1]),
            "monthname": MONTHS_T[(d.month + 5) % 12], "yr": d.year - r.randint(0, 3),
            "hm": "%d.%02d%s" % (r.randint(1, 12), r.choice((0, 15, 20, 30, 45, 50)), r.choice(("am", "pm"))),
            "hm2": "%d%s" % (r.randint(1, 12), r.choice(("am", "pm"))),
            "years": r.randint(1, 14), "months": r.randint(1, 11), "weeks": r.randint(2, 30),
            "hours": r.randint(2, 9), "count": r.randint(3, 60), "count2": r.randint(5, 90),
            "plants": r.randint(40, 900), "rooms": r.randint(2, 6), "kg": "%.1f" % (r.random() * 40),
            "phones": r.randint(3, 40), "vehicles": r.randint(2, 15), "pct": r.randint(5, 40),
            "decade": r.choice((20, 30, 40, 50, 60)), "injury": r.choice(INJURY),
            "item": r.choice(ITEMS), "adj": r.choice(ADJ), "unit": r.choice(UNITS),
            "person": r.choice(PERSON),
            "ref": "%d/%05d/%02d" % (r.randint(1, 999), r.randint(0, 99999), d.year % 100),
            "man": "man" if male else "woman", "hisher": "his" if male else "her",
            "heshe": "he" if male else "she", "Sex": "Man" if male else "Woman",
            "victim": r.choice(("victim", "shop worker", "delivery driver", "teenager", "pensioner")),
        }
        s["amt"], s["amt_raw"] = money(r, 1000, 9000000)
        s["amt2"], _ = money(r, 200, 250000)
        if r.random() < 0.5:
            s["lq"], s["rq"] = "\u201c", "\u201d"
        else:
            s["lq"], s["rq"] = '"', '"'
        s["curl"] = "https://www.example.org/court-lists/%s" % slugify(s["name"])
        return d, s

    def title(self, s):
        r = self.r
        x = r.random()
        if x < 0.04:
            return r.choice(GENERIC_TITLES)
        if x < 0.06 and self.titles:
            return r.choice(self.titles)
        t = r.choice(TITLE_T).format(**s)
        if len(self.titles) < 5000:
            self.titles.append(t)
        elif r.random() < 0.01:
            self.titles[r.randrange(5000)] = t
        return t

    def body(self, s, target):
        r = self.r
        paras = [r.choice(OPEN_T).format(**s)]
        size = len(paras[0])
        pools = (DETAIL_T, DETAIL_T, ARREST_T, QUOTE_T, QUOTE_T, BACK_T, DETAIL_T, QUOTE_T)
        bullets_done = False
        while size < target - 400:
            if not bullets_done and r.random() < 0.12:
                bullets_done = True
                items = r.sample(BULLET_ITEMS, r.randint(3, 6))
                p = r.choice(BULLET_INTRO).format(**s) + "\n\n" + "\n".join(
                    " * " + it.format(**s) for it in items)
            else:
                p = r.choice(pools[r.randrange(len(pools))]).format(**s)
                if paras and p == paras[-1]:
                    continue
            paras.append(p)
            size += len(p) + 2
        paras.append(r.choice(APPEAL_T).format(**s))
        if r.random() < 0.3:
            paras.append(r.choice(APPEAL_T).format(**s))
        if r.random() < 0.08:
            paras.insert(1, paras[0])
        sep = "\n\n\n\n\n" if r.random() < 0.05 else "\n\n"
        if sep != "\n\n":
            k = r.randrange(1, len(paras))
            return "\n\n".join(paras[:k]) + sep + "\n\n".join(paras[k:]) + "\n"
        return "\n\n".join(paras) + "\n"

    def sidecar(self, s, title):
        r = self.r
        tags = r.sample(CM_TAGS, r.randint(1, 4))
        fm = ["---", "tags: [%s]" % ", ".join(tags)]
        # three draws kept (once a `reviewed:` date) so seed-1 corpora stay the ones measured
        r.randint(2021, 2026), r.randint(1, 12), r.randint(1, 28)
        x = r.random()
        if x < 0.05:
            fm.append("title: " + yaml_scalar(title + " (corrected)"))
        elif x < 0.08:
            fm.append("area: " + yaml_scalar(s["area"]))
        fm.append("---")
        parts = []
        if r.random() < 0.4:
            parts.append("## Notes")
        for p in r.sample(CM_PARA, r.randint(1, 4)):
            parts.append(p.format(**s))
        if r.random() < 0.33:
            parts.append(r.choice(CM_CODE).format(**s))
        return "\n".join(fm) + "\n\n" + "\n\n".join(parts) + "\n"

    def release(self, idx):
        r = self.r
        force = FORCES[r.randrange(len(FORCES))]
        area, fname, host, _ = force
        d, s = self.slots(force)
        title = self.title(s)
        hh, mm = r.randint(7, 23), r.randrange(60)
        target = r.randint(3300, 7700)
        body = self.body(s, target)
        shape = r.random()
        if shape < 0.60:
            shape = "a"
        elif shape < 0.85:
            shape = "b"
        else:
            shape = "c"
        stem = "%06d_%016x" % (idx, r.getrandbits(64))
        if shape == "c":
            txt = " date %04d-%02d-%02d %s\n\n%s" % (d.year, d.month, d.day, title, body)
        else:
            url = "https://www.%s/news/%s/news/%d/%s/%s/" % (
                host, slugify(area), d.year, MONTHS[d.month - 1], slugify(title) or "news")
            first = body.split("\n\n", 1)[0]
            desc = first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "..."
            desc = desc.replace("£", "&#163;")
            img = ("https://www.%s/SysSiteAssets/media/images/%s/open-graph/%s.jpg"
                   "?crop=(0,0,600,315)&amp;w=600&amp;h=300&amp;scale=both") % (
                host, slugify(area), r.choice(("police-car", "default-open-graph", "cordon", "handcuffs")))
            y = ["```yaml", "area: " + yaml_scalar(area), "og:",
                 "  description: " + yaml_scalar(desc),
                 "  image: " + yaml_scalar(img),
                 "  locale: en_GB",
                 "  title: " + yaml_scalar(title),
                 "  type: website",
                 "  url: " + yaml_scalar(url)]
            stamp = "%02d:%02d %02d/%02d/%04d" % (hh, mm, d.day, d.month, d.year)
            if shape == "a":
                y += ["publish:", "  date: " + stamp]
            y += ["title: " + yaml_scalar("%s | %s" % (title, fname)), "url: " + yaml_scalar(url), "```"]
            head = "\n".join(y) + "\n\n"
            if shape == "b":
                head += stamp + "\n\n"
            txt = head + body
        side = self.sidecar(s, title) if r.random() < 0.2 else None
        return stem, txt, side


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    outdir = os.path.join(a.out, "releases")
    os.makedirs(outdir, exist_ok=True)
    g = Gen(a.seed)
    nbytes = nside = 0
    for i in range(a.count):
        stem, txt, side = g.release(i)
        data = txt.encode("utf-8")
        with open(os.path.join(outdir, stem + ".txt"), "wb") as f:
            f.write(data)
        nbytes += len(data)
        if side is not None:
            data = side.encode("utf-8")
            with open(os.path.join(outdir, stem + ".md"), "wb") as f:
                f.write(data)
            nbytes += len(data)
            nside += 1
    print("wrote %d releases, %d sidecars, %d bytes to %s" % (a.count, nside, nbytes, outdir),
          file=sys.stderr)


if __name__ == "__main__":
    main()
