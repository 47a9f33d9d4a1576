package main

import "fieldbook/internal/quiz"

// translatedDemoQuizzes are the quizzes of the translated demo courses
// (demo_translated.go), by course slug and lesson index, written in the
// course's language like its lessons: each question checks something the
// lesson teaches, in its words.
var translatedDemoQuizzes = map[string]map[int]demoQuiz{
	"first-aid-fr": {5: {Mode: quiz.Check, PassMark: 75, Questions: []quiz.Form{
		{
			Kind:        "number",
			Prompt:      "De combien de centimètres enfoncez-vous la poitrine d'un adulte, environ ?",
			Answer:      "5.5",
			Tolerance:   "0.5",
			Explanation: "Appuyez tout droit de 5 à 6 centimètres, puis laissez la poitrine bien remonter.",
		},
		{
			Kind:        "truefalse",
			Prompt:      "Des respirations lentes et bruyantes, comme des hoquets, sont une respiration normale.",
			Answer:      "false",
			Explanation: "Non : ce n'est **pas** une respiration normale. Commencez le massage cardiaque.",
		},
		{
			Kind:        "single",
			Prompt:      "Où posez-vous les mains ?",
			Choices:     "Au milieu de la poitrine, sur la moitié basse de l'os\nSur le ventre\nSur le cou",
			Answer:      "1",
			Explanation: "Le bas d'une main au milieu de la poitrine, l'autre main dessus, les doigts croisés.",
		},
		{
			Kind:        "single",
			Prompt:      "À quelle vitesse appuyez-vous ?",
			Choices:     "Vite : 100 à 120 fois par minute, environ 2 fois par seconde\nUne fois toutes les 5 secondes\nLe plus lentement possible",
			Answer:      "1",
			Explanation: "Appuyez vite : 100 à 120 fois par minute.",
		},
		{
			Kind:        "multiple",
			Prompt:      "Quand pouvez-vous arrêter le massage ? Choisissez toutes les bonnes réponses.",
			Choices:     "Les secours prennent le relais\nLa personne respire normalement\nAprès 2 minutes, même si personne n'est venu\nVous êtes trop épuisé\nL'endroit devient dangereux",
			Answer:      "1, 2, 4, 5",
			Explanation: "Continuez jusqu'à ce que les secours prennent le relais, que la personne respire normalement, que vous soyez trop épuisé ou que l'endroit devienne dangereux.",
		},
	}}},
	"hand-hygiene-sw": {2: {Mode: quiz.Practice, PassMark: 75, Questions: []quiz.Form{
		{
			Kind:        "single",
			Prompt:      "Kwa nini kibuyu chirizi kina kijiti cha kukanyaga?",
			Choices:     "Ili usiguse dumu kwa mikono michafu\nIli kuokoa sabuni\nIli kupasha maji moto",
			Answer:      "1",
			Explanation: "Unakanyaga kijiti kwa mguu, kwa hiyo mikono yako michafu haigusi dumu.",
		},
		{
			Kind:        "number",
			Prompt:      "Mashimo mawili ya vijiti yanaachana sentimita ngapi, takriban?",
			Answer:      "60",
			Tolerance:   "10",
			Explanation: "Kama sentimita 60.",
		},
		{
			Kind:        "truefalse",
			Prompt:      "Mawe au kokoto chini ya kibuyu husaidia maji kuingia ardhini, yasilete matope.",
			Answer:      "true",
			Explanation: "Ndiyo. Maji yaliyotuama huleta matope na huzaa mbu.",
		},
		{
			Kind:        "multiple",
			Prompt:      "Ni wapi mahali pazuri pa kunawia? Chagua majibu yote sahihi.",
			Choices:     "Karibu na choo\nKaribu na jiko\nMbali na nyumba, mahali ambapo hakuna mtu anaenda",
			Answer:      "1, 2",
			Explanation: "Weka mahali watu wanapohitaji: karibu na choo na karibu na jiko.",
		},
		{
			Kind:        "single",
			Prompt:      "Unajaza maji mara ngapi?",
			Choices:     "Kila siku\nKila wiki\nKila mwezi",
			Answer:      "1",
			Explanation: "Jaza maji kila siku, na safisha dumu kila wiki.",
		},
	}}},
}
