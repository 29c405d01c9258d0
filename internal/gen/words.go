package gen

// Word lists. Sentences are assembled from these by template so that the
// text reads like (dull) office mail and a search index sees an ordinary,
// repetitive vocabulary. None of the planted marker words (see markers.go)
// may appear here, nor any form that shares their stem.

var frFirst = []string{
	"Hélène", "François", "Émilie", "Jérôme", "Cécile", "Benoît", "Anaïs",
	"Gaëlle", "Loïc", "Zoé", "Noémie", "Thérèse", "Stéphane", "Frédéric",
	"Géraldine", "Amélie", "Clément", "Raphaël", "Mathilde", "Aurélien",
	"Céline", "Sébastien", "Jean-Baptiste", "Marie-Christine", "Pierre",
	"Claire", "Nicolas", "Sophie", "Julien", "Camille",
}

var frLast = []string{
	"Dupré", "Lefèvre", "Bérenger", "Ménard", "Duchêne", "Lemaître",
	"Rivière", "Fournier", "Moreau", "Bénard", "Thévenin", "Morvan", "Léger",
	"Prévost", "Delacroix", "Hébert", "Boulanger", "Garnier", "Besançon",
	"Chauvière", "Mercier", "Faure", "Lambert", "Roussel", "Gauthier",
}

var enFirst = []string{
	"James", "Sarah", "Michael", "Emily", "David", "Olivia", "Robert",
	"Charlotte", "Thomas", "Hannah", "Daniel", "Grace",
}

var enLast = []string{
	"Whitaker", "Thompson", "O'Brien", "Fletcher", "Hughes", "Carter",
	"Bennett", "Marsh", "Sinclair", "Walsh", "Harper", "Doyle",
}

// ruPeople pairs a Cyrillic display name with its transliterated local part.
var ruPeople = [][2]string{
	{"Алексей Смирнов", "a.smirnov"},
	{"Ольга Кузнецова", "o.kuznetsova"},
	{"Дмитрий Волков", "d.volkov"},
	{"Наталья Соколова", "n.sokolova"},
	{"Сергей Попов", "s.popov"},
	{"Ирина Лебедева", "i.lebedeva"},
}

var domains = []string{
	"en-marche.example", "campagne.example", "ministere.example", "press.example",
}

var frTitles = []string{
	"Trésorier adjoint", "Chargée de communication", "Directeur de campagne",
	"Responsable des relations presse", "Conseillère technique",
	"Chef de cabinet", "Attaché parlementaire", "Responsable financement",
}

var enTitles = []string{
	"Press officer", "Campaign manager", "Senior correspondent",
	"Finance director", "Policy adviser", "Chief of staff",
}

var frOpeners = []string{
	"", "", "", "Comme convenu, ", "Pour info, ", "Je pense que ", "Merci de noter que ",
	"Suite à notre échange, ", "D’après le trésorier, ", "À mon avis, ", "Pour mémoire, ",
	"Sauf erreur de ma part, ", "Petit rappel : ",
}

var frNouns = []string{
	"la réunion", "le sondage", "les comptes", "la société", "le trésorier",
	"le financement", "l’élection", "le budget", "la campagne", "le meeting",
	"la facture", "le candidat", "la déclaration", "le mandataire", "les dons",
	"le rapport", "la presse", "le communiqué", "l’équipe", "le déplacement",
	"la permanence", "le programme", "les bénévoles", "la préfecture",
	"le prestataire", "le devis", "les frais", "la stratégie", "le débat",
	"la commission", "le contrat", "le virement", "l’association", "le tract",
	"la salle", "les affiches", "le calendrier", "la note", "le cabinet",
	"le ministère", "le député", "la sénatrice", "les électeurs", "la circonscription",
	"le plafond", "les dépenses", "la banque", "le relevé", "la caisse",
	"le conseil", "l’enquête", "le journaliste", "la rédaction", "l’interview",
	"le cœur du dossier", "l’œuvre collective", "les vœux", "le prêt",
}

var frVerbs = []string{
	"doit valider", "a envoyé", "prépare", "confirme", "attend", "a reporté",
	"vérifie", "a signé", "présentera", "relit", "a refusé", "finance",
	"organise", "publiera", "a transmis", "demande", "a modifié", "suit",
	"conteste", "garantit", "a réglé", "rembourse", "examine", "annonce",
}

var frComplements = []string{
	"avant vendredi", "pour la campagne", "dans les meilleurs délais",
	"lors de la réunion de lundi", "d’ici la fin du mois", "à Paris",
	"à Lyon", "à Marseille", "demain matin", "sans attendre", "avec l’accord du bureau",
	"pour le premier tour", "après le second tour", "au siège", "par courriel",
	"en toute discrétion", "comme prévu", "à la préfecture", "cette semaine",
	"selon le dernier sondage", "pour le meeting de Bercy", "à Bordeaux",
	"à Strasbourg", "avant la clôture des comptes", "en début d’après-midi",
}

var frGreetings = []string{"Bonjour %s,", "Bonsoir %s,", "Cher %s,", "Salut %s,", "%s,"}
var frClosings = []string{"Cordialement,", "Bien à toi,", "Merci d’avance,", "Bonne journée,", "À bientôt,", "Amitiés,"}

var enOpeners = []string{
	"", "", "", "As discussed, ", "FYI, ", "I think ", "Please note that ",
	"Following our call, ", "According to the treasurer, ", "Frankly, ",
	"Just a reminder: ", "Unless I am mistaken, ",
}

var enNouns = []string{
	"the meeting", "the budget", "the accounts", "the poll", "the campaign",
	"the invoice", "the candidate", "the statement", "the donors", "the report",
	"the press office", "the briefing", "the team", "the schedule", "the rally",
	"the volunteers", "the contractor", "the quote", "the expenses", "the strategy",
	"the debate", "the committee", "the contract", "the wire transfer",
	"the association", "the leaflets", "the venue", "the memo", "the ministry",
	"the deputy", "the voters", "the constituency", "the spending cap", "the bank",
	"the statement of accounts", "the board", "the inquiry", "the journalist",
	"the newsroom", "the interview", "the funding", "the election", "the treasurer",
	"the loan", "the audit", "the spreadsheet",
}

var enVerbs = []string{
	"must approve", "has sent", "is preparing", "confirms", "is waiting for",
	"has postponed", "is checking", "has signed", "will present", "is reviewing",
	"has refused", "is funding", "is organising", "will publish", "has forwarded",
	"is asking for", "has changed", "is following", "disputes", "guarantees",
	"has paid", "reimburses", "is examining", "announces",
}

var enComplements = []string{
	"before Friday", "for the campaign", "as soon as possible", "at Monday's meeting",
	"by the end of the month", "in Paris", "in London", "tomorrow morning",
	"without delay", "with the board's approval", "before the first round",
	"after the runoff", "at headquarters", "by email", "quietly", "as planned",
	"this week", "according to the latest poll", "before the accounts close",
	"early in the afternoon", "in Brussels", "next Tuesday",
}

var enGreetings = []string{"Hi %s,", "Dear %s,", "Hello %s,", "%s,"}
var enClosings = []string{"Best,", "Regards,", "Thanks,", "Cheers,", "Kind regards,", "Best wishes,"}

var ruOpeners = []string{"", "", "Как договорились, ", "Для информации: ", "Напоминаю, что ", "По словам казначея, "}

var ruNouns = []string{
	"встреча", "бюджет", "отчёт", "кампания", "опрос", "счёт", "кандидат",
	"заявление", "доноры", "пресс-служба", "команда", "расписание", "митинг",
	"договор", "перевод", "ассоциация", "министерство", "депутат", "избиратели",
	"банк", "проверка", "журналист", "редакция", "интервью", "финансирование",
	"выборы", "казначей", "кредит",
}

var ruVerbs = []string{
	"утверждает", "отправил", "готовит", "подтверждает", "ждёт", "перенёс",
	"проверяет", "подписал", "представит", "изучает", "отклонил", "финансирует",
	"организует", "опубликует", "переслал",
}

var ruComplements = []string{
	"до пятницы", "для кампании", "как можно скорее", "на встрече в понедельник",
	"к концу месяца", "в Париже", "в Москве", "завтра утром", "без задержки",
	"до первого тура", "после второго тура", "по почте", "на этой неделе",
}

var ruGreetings = []string{"Здравствуйте, %s!", "Добрый день, %s.", "%s,"}
var ruClosings = []string{"С уважением,", "Спасибо,", "До связи,"}

var frSubjects = []string{
	"Réunion de lundi", "Comptes de campagne", "Sondage du week-end",
	"Financement du meeting", "Point trésorier", "Élection : calendrier",
	"Devis salle", "Note pour le cabinet", "Communiqué de presse", "Déplacement à Lyon",
	"Frais de déplacement", "Relevé bancaire", "Programme de la semaine",
	"Question sur la facture", "Bénévoles pour samedi", "Rendez-vous préfecture",
	"Interview demain", "Plafond des dépenses", "Société prestataire",
	"Compte rendu réunion", "Urgent : virement", "Vœux de l’équipe",
}

var enSubjects = []string{
	"Monday meeting", "Campaign accounts", "Weekend poll", "Rally funding",
	"Treasurer update", "Election timetable", "Venue quote", "Memo for the minister",
	"Press statement", "Trip to Lyon", "Travel expenses", "Bank statement",
	"This week's schedule", "Question about the invoice", "Volunteers for Saturday",
	"Interview tomorrow", "Spending cap", "Contractor", "Meeting notes",
	"Urgent: wire transfer", "Budget review",
}

var ruSubjects = []string{
	"Встреча в понедельник", "Бюджет кампании", "Опрос", "Отчёт казначея",
	"Расписание выборов", "Пресс-релиз", "Перевод средств",
}

var frMonths = []string{"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre"}

var mailers = []string{
	"", "", "Microsoft Outlook 16.0", "Apple Mail (2.3273)",
	"Mozilla/5.0 (Windows NT 10.0; WOW64; rv:45.0) Gecko/20100101 Thunderbird/45.8.0",
	"Zimbra 8.7.1_GA_1670", "Roundcube Webmail/1.2.3", "iPhone Mail (14D27)",
}

var txtNames = []string{
	"compte-rendu-reunion.txt", "notes.txt", "liste-benevoles.txt", "memo.txt",
	"meeting-notes.txt", "Ordre du jour.txt", "éléments de langage.txt",
}

var csvNames = []string{
	"budget_2017.csv", "depenses.csv", "dons-mars.csv", "expenses.csv",
	"comptes-campagne.csv", "Relevé bancaire.csv",
}

var pdfNames = []string{
	"Scan_0042.pdf", "facture.pdf", "devis-salle.pdf", "contrat.pdf",
	"Note au cabinet.pdf", "invoice-2016-117.pdf", "Procès-verbal.pdf",
}

var pngNames = []string{"image001.png", "capture.png", "affiche.png", "logo.png", "sondage-graphique.png"}
