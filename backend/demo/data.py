"""Names and places for synthetic demo consumers (both Bihar discoms' districts)."""

from __future__ import annotations

DISCOMS = {
    "NBPDCL": ("North Bihar Power Distribution Co. Ltd", "नॉर्थ बिहार पावर डिस्ट्रीब्यूशन कंपनी"),
    "SBPDCL": ("South Bihar Power Distribution Co. Ltd", "साउथ बिहार पावर डिस्ट्रीब्यूशन कंपनी"),
}

DISTRICTS = {
    "NBPDCL": [
        ("Muzaffarpur", "मुजफ्फरपुर"), ("Vaishali", "वैशाली"), ("Sitamarhi", "सीतामढ़ी"),
        ("Sheohar", "शिवहर"), ("East Champaran", "पूर्वी चंपारण"),
        ("West Champaran", "पश्चिमी चंपारण"), ("Saran", "सारण"), ("Siwan", "सीवान"),
        ("Gopalganj", "गोपालगंज"), ("Darbhanga", "दरभंगा"), ("Madhubani", "मधुबनी"),
        ("Samastipur", "समस्तीपुर"), ("Begusarai", "बेगूसराय"), ("Khagaria", "खगड़िया"),
        ("Saharsa", "सहरसा"), ("Supaul", "सुपौल"), ("Madhepura", "मधेपुरा"),
        ("Purnia", "पूर्णिया"), ("Katihar", "कटिहार"), ("Araria", "अररिया"),
        ("Kishanganj", "किशनगंज"),
    ],
    "SBPDCL": [
        ("Patna", "पटना"), ("Nalanda", "नालंदा"), ("Bhojpur", "भोजपुर"), ("Buxar", "बक्सर"),
        ("Rohtas", "रोहतास"), ("Kaimur", "कैमूर"), ("Gaya", "गया"), ("Jehanabad", "जहानाबाद"),
        ("Arwal", "अरवल"), ("Nawada", "नवादा"), ("Aurangabad", "औरंगाबाद"),
        ("Munger", "मुंगेर"), ("Lakhisarai", "लखीसराय"), ("Sheikhpura", "शेखपुरा"),
        ("Jamui", "जमुई"), ("Bhagalpur", "भागलपुर"), ("Banka", "बांका"),
    ],
}

MALE_NAMES = [
    "Ram", "Shyam", "Sunil", "Anil", "Rajesh", "Manoj", "Sanjay", "Ajay", "Vijay", "Rakesh",
    "Dinesh", "Mukesh", "Suresh", "Ramesh", "Pankaj", "Santosh", "Arvind", "Ashok", "Birendra",
    "Dharmendra", "Rambabu", "Shambhu", "Umesh", "Jitendra", "Nitish", "Prabhat", "Ravi",
]
FEMALE_NAMES = [
    "Sita", "Gita", "Sunita", "Anita", "Rekha", "Poonam", "Kiran", "Meena", "Savitri", "Usha",
    "Pushpa", "Kavita", "Rinku", "Priyanka", "Lalita", "Sarita", "Sangita", "Manju", "Rina",
]
SURNAMES = [
    "Singh", "Yadav", "Prasad", "Sharma", "Mishra", "Jha", "Paswan", "Mahto", "Sah",
    "Gupta", "Choudhary", "Thakur", "Rai", "Pandey", "Tiwari", "Manjhi", "Ansari",
    "Mandal", "Sinha", "Verma", "Pathak", "Ojha", "Chaurasia",
]
MALE_ONLY_SURNAMES = ["Kumar", "Ram", "Khan"]
FEMALE_ONLY_SURNAMES = ["Devi", "Kumari", "Khatoon"]
METER_MAKERS = ["GP", "SE", "LN", "HP"]
