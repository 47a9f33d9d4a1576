package main

// translatedDemoCourses are demo courses written in other languages than
// English (issue 13): each marks its content with its language, so a
// French course reads as French on a page in any interface language. They
// are written for their readers, as a trainer there would say it, not
// translated word for word from the English courses; the same care as
// demoCourses (general guidance, not a replacement for hands-on training).
var translatedDemoCourses = []demoCourse{
	{
		Slug:        "first-aid-fr",
		Lang:        "fr",
		Title:       "Premiers secours",
		Description: "Les gestes simples que tout le monde peut apprendre : se protéger, appeler les secours, mettre sur le côté, arrêter un saignement, soigner une brûlure, aider une personne qui s'étouffe et faire le massage cardiaque. Entraînez-vous avec un formateur dès que vous pouvez.",
		Lessons: []demoLesson{
			{
				Title: "Se protéger et appeler les secours",
				Body: `Quand une personne est blessée ou tombe malade d'un coup, les premières minutes comptent. Restez calme : une personne calme prend de meilleures décisions, et le blessé a moins peur.

Avant de vous approcher, regardez autour de vous. Y a-t-il un danger pour vous, pour les autres ou pour le blessé ? Cherchez par exemple :
- des voitures ou des motos sur la route
- du feu, de la fumée ou du gaz
- des fils électriques par terre ou dans l'eau
- de l'eau profonde ou un courant fort
- un animal dangereux, un mur qui peut tomber, une bagarre

Ne devenez pas une deuxième victime. Si l'endroit n'est pas sûr, attendez de l'aide, ou supprimez d'abord le danger, par exemple en coupant le courant. Ne déplacez le blessé que s'il est en danger là où il est.

Ensuite, regardez si la personne réagit. Mettez-vous à genoux près d'elle, touchez ses épaules et parlez fort : « Vous m'entendez ? Ouvrez les yeux. » Si elle ne répond pas, criez pour appeler les gens autour. Basculez doucement sa tête en arrière et levez son menton. Regardez, écoutez et sentez si elle respire normalement, pendant 10 secondes au plus.

Appelez les secours. S'il y a un téléphone et un numéro d'urgence, appelez, ou demandez à quelqu'un d'appeler pendant que vous restez avec le blessé. Dites où vous êtes, ce qui s'est passé, combien de personnes sont blessées et dans quel état. S'il n'y a pas de téléphone, envoyez quelqu'un chercher l'agent de santé, le centre de santé ou un secouriste, et dites-lui bien quoi dire.

Si la personne respire normalement, mettez-la sur le côté (position latérale de sécurité) et surveillez-la. Si elle ne respire pas normalement, commencez tout de suite le massage cardiaque. Les leçons suivantes montrent comment faire.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "La position latérale de sécurité",
				Body: `La position latérale de sécurité est pour une personne qui ne réagit pas mais qui respire normalement. Sur le dos, sa langue peut boucher la gorge, et le vomi ou le sang peuvent aller dans les poumons. Sur le côté, l'air passe et les liquides sortent par la bouche.

Pour tourner un adulte sur le côté :
- Mettez-vous à genoux près de lui. Enlevez ses lunettes et les objets durs de ses poches.
- Placez le bras le plus proche de vous à angle droit, coude plié, paume vers le haut.
- Prenez son autre main et posez le dos de cette main contre sa joue, de votre côté. Gardez-la là.
- De votre autre main, relevez le genou le plus loin de vous, pied à plat par terre.
- Tirez sur ce genou pour rouler la personne vers vous, sur le côté.
- Placez la jambe du dessus pour que la hanche et le genou fassent un angle droit. Comme ça, elle ne roule pas en avant.
- Basculez doucement la tête en arrière pour que l'air passe, la bouche un peu tournée vers le sol.

Restez avec elle et vérifiez souvent qu'elle respire, jusqu'à l'arrivée des secours. Si elle ne respire plus normalement, remettez-la sur le dos et commencez le massage cardiaque. Si elle reste plus de 30 minutes sur le même côté, tournez-la sur l'autre côté pour protéger son bras.

Si vous pensez que la personne est tombée de haut, a été renversée par un véhicule ou s'est fait mal au cou ou au dos, bougez-la le moins possible. Gardez sa tête bien droite dans l'axe du corps. Ne la tournez que si elle vomit ou si l'air ne passe plus.

Une femme enceinte qui ne réagit pas se met sur le côté gauche. Entraînez-vous avec un partenaire pendant une formation : le jour où il le faudra, vous le ferez vite.`,
				ContentURL:      "",
				DurationMinutes: 10,
			},
			{
				Title: "Arrêter un saignement abondant",
				Body: `Un saignement abondant peut tuer en quelques minutes : il faut agir vite. Le sang qui gicle, qui coule sans s'arrêter ou qui traverse vite un tissu, c'est une urgence. Criez pour avoir de l'aide et demandez à quelqu'un d'appeler les secours pendant que vous commencez.

Protégez-vous du sang si vous pouvez : mettez des gants ou un sac plastique propre sur vos mains. Si vous n'avez rien, aidez quand même, ne touchez pas vos yeux ni votre bouche, et lavez-vous bien les mains au savon après.

Pour arrêter le saignement :
- Aidez la personne à s'asseoir ou à s'allonger.
- Trouvez d'où vient le sang.
- Appuyez fort, directement sur la plaie, avec un tissu propre, par exemple un pagne ou une chemise pliée. Sans tissu, appuyez avec la main.
- Appuyez sans arrêter pendant au moins 10 minutes. Ne soulevez pas le tissu pour regarder.
- Si le sang traverse, n'enlevez pas le tissu. Mettez-en un autre par-dessus et appuyez plus fort.
- Quand le sang coule moins, serrez une bande de tissu sur le pansement pour garder la pression. Les doigts ou les orteils après la bande doivent rester chauds et roses.

Si un objet est planté dans la plaie (bois, verre, couteau), ne le retirez pas : il bouche peut-être la plaie. Appuyez autour de l'objet, pas dessus, et calez-le avec des tissus.

Surveillez les signes de choc. Une personne qui a perdu beaucoup de sang peut devenir pâle, froide, en sueur, perdue, avoir soif, se sentir faible et respirer vite. Allongez-la, couvrez-la pour qu'elle ait chaud, parlez-lui, et ne lui donnez ni à boire ni à manger. Emmenez-la au centre de santé le plus vite possible, même si le saignement s'est arrêté. Seule une personne formée doit poser un garrot.`,
				ContentURL:      "",
				DurationMinutes: 10,
			},
			{
				Title: "Les brûlures",
				Body: `Les brûlures par le feu de cuisine, l'eau chaude, l'huile chaude ou les lampes sont fréquentes, surtout chez les petits enfants. Les bons gestes, faits tout de suite, diminuent la douleur, les cicatrices et les infections.

D'abord, arrêtez la brûlure. Si les vêtements brûlent, dites à la personne de s'arrêter, de se coucher par terre et de rouler, ou couvrez-la avec un tissu épais en coton ou en laine pour étouffer les flammes. Pas de plastique ni de nylon. Éloignez-la de la chaleur. Pour une brûlure électrique, coupez le courant avant de toucher la personne.

Refroidissez la brûlure avec de l'eau propre et fraîche qui coule, pendant 20 minutes, le plus tôt possible. Versez l'eau doucement avec un pot ou une tasse. Refroidir aide encore jusqu'à 3 heures après la brûlure. Pas de glace ni d'eau glacée : elles abîment la peau. Gardez le reste du corps au chaud, surtout chez un enfant. Pendant ce temps, enlevez doucement les bagues, les bracelets et les vêtements serrés près de la brûlure, avant que ça gonfle. N'arrachez rien de ce qui colle à la peau.

Ensuite, couvrez la brûlure sans serrer, avec un film plastique alimentaire propre, un sac plastique propre ou un tissu propre qui ne colle pas. Ne faites jamais ceci :
- mettre du beurre, de l'huile, du dentifrice, de l'œuf, de la farine, de la cendre, de la bouse ou des plantes sur une brûlure
- percer les cloques
- serrer un bandage sur la brûlure

Allez vite au centre de santé si la brûlure est plus grande que la paume de la main de la personne, ou si elle est profonde (peau blanche, brune ou noire, parfois sans douleur). Allez-y aussi si la brûlure touche le visage, les mains, les pieds, le sexe ou une articulation, si elle vient d'un produit chimique ou de l'électricité, si la personne est un petit enfant ou une personne âgée, ou si elle respire mal après avoir été dans la fumée.`,
				ContentURL:      "https://www.who.int/fr/news-room/fact-sheets/detail/burns",
				DurationMinutes: 10,
			},
			{
				Title: "L'étouffement chez l'adulte",
				Body: `On s'étouffe quand un aliment ou un objet bloque le passage de l'air. La personne peut se tenir la gorge, ne plus pouvoir parler, tousser faiblement, faire un bruit aigu, ou avoir les lèvres bleues.

Étouffement léger : si la personne peut tousser, parler ou respirer, l'air passe encore un peu. Encouragez-la à tousser fort. Ne tapez pas dans son dos tant qu'elle tousse bien, et ne mettez pas vos doigts dans sa gorge. Restez avec elle.

Étouffement grave : si elle ne peut ni parler, ni tousser, ni respirer, agissez tout de suite. Criez pour avoir de l'aide, puis :
- Donnez jusqu'à 5 tapes dans le dos. Mettez-vous sur le côté, un peu derrière elle. Tenez sa poitrine d'une main et penchez-la en avant. Tapez fort entre les omoplates avec le bas de l'autre main. Après chaque tape, regardez si l'objet est sorti.
- Si l'objet ne sort pas, faites jusqu'à 5 compressions du ventre. Mettez-vous derrière elle et passez vos bras autour du haut de son ventre. Fermez le poing et posez-le entre le nombril et le bas de l'os de la poitrine. Tenez-le avec l'autre main et tirez d'un coup sec vers vous et vers le haut.
- Recommencez 5 tapes et 5 compressions jusqu'à ce que l'objet sorte ou que la personne ne réagisse plus.

Si elle ne réagit plus, allongez-la doucement par terre, vérifiez que quelqu'un appelle les secours, et commencez le massage cardiaque. Chaque fois que vous ouvrez sa bouche, regardez dedans, et enlevez l'objet seulement si vous le voyez bien. Ne fouillez pas avec les doigts.

Une personne qui a reçu des compressions du ventre doit être vue par un agent de santé, car elles peuvent blesser l'intérieur du corps. Pour un bébé de moins d'un an et pour une femme enceinte, les gestes sont différents : apprenez-les avec un formateur.`,
				ContentURL:      "",
				DurationMinutes: 10,
			},
			{
				Title: "Le massage cardiaque chez l'adulte",
				Body: `Si une personne ne réagit pas et ne respire pas normalement, son cœur s'est sans doute arrêté. Sans aide, elle va mourir en quelques minutes. Le massage cardiaque fait passer le sang jusqu'au cerveau en attendant les secours. Même un massage mal fait vaut beaucoup mieux que rien.

Vérifiez vite :
- L'endroit est-il sûr ?
- Touchez ses épaules et parlez fort. Pas de réponse : elle ne réagit pas.
- Basculez sa tête en arrière, levez son menton et regardez si elle respire normalement, 10 secondes au plus. Des respirations lentes et bruyantes, comme des hoquets, ne sont pas une respiration normale.
- Criez pour avoir de l'aide et envoyez quelqu'un appeler les secours. S'il y a un défibrillateur près de vous, demandez qu'on l'apporte.

Pour masser :
- Mettez-vous à genoux près de la personne, couchée sur le dos sur un sol dur.
- Posez le bas d'une main au milieu de la poitrine, sur la moitié basse de l'os de la poitrine. Posez l'autre main dessus et croisez les doigts.
- Gardez les bras tendus, les épaules au-dessus des mains.
- Appuyez fort, tout droit, de 5 à 6 centimètres, puis laissez la poitrine bien remonter.
- Appuyez vite : 100 à 120 fois par minute, c'est-à-dire environ 2 fois par seconde.

Si vous avez appris à le faire, donnez 2 insufflations (bouche-à-bouche) après chaque série de 30 compressions. Sinon, appuyez sans vous arrêter. Si un défibrillateur arrive, allumez-le et faites ce qu'il dit.

Ne vous arrêtez pas avant que les secours prennent le relais, que la personne respire normalement, que vous soyez trop épuisé ou que l'endroit devienne dangereux. Si d'autres personnes peuvent aider, changez toutes les 2 minutes pour que les compressions restent fortes. Le massage cardiaque s'apprend le mieux sur un mannequin, avec un formateur : suivez une formation si vous pouvez.`,
				ContentURL:      "",
				DurationMinutes: 15,
			},
		},
	},
	{
		Slug:        "hand-hygiene-sw",
		Lang:        "sw",
		Title:       "Kunawa mikono",
		Description: "Lini na jinsi ya kunawa mikono kwa sabuni, na jinsi ya kutengeneza kibuyu chirizi cha kunawia mikono nyumbani, shuleni au zahanati.",
		Lessons: []demoLesson{
			{
				Title: "Kwa nini na lini kunawa mikono",
				Body: `Magonjwa mengi huenea kupitia mikono. Vijidudu kutoka kwenye kinyesi, kikohozi, chafya, wagonjwa na nyama mbichi hukaa mikononi mwetu. Kisha tunagusa chakula, maji, nyuso zetu na watu wengine. Kunawa mikono kwa sabuni ni njia rahisi na ya bei nafuu ya kuzuia kuhara, nimonia, magonjwa ya macho na magonjwa mengine.

Maji peke yake hayatoshi. Sabuni hulegeza uchafu na mafuta yanayoshikilia vijidudu, kisha maji huviondoa. Sabuni yoyote inafaa: sabuni ya kipande, sabuni ya maji, au maji ya sabuni uliyochanganya kwenye chupa.

Nawa mikono kwa sabuni na maji:
- baada ya kutoka chooni
- baada ya kumsafisha mtoto aliyejisaidia
- kabla ya kuandaa, kupika au kupakua chakula
- kabla ya kula, na kabla ya kumlisha mtoto au kunyonyesha
- kabla ya kushika maji ya kunywa
- baada ya kushika wanyama au kinyesi chao
- baada ya kukohoa, kupiga chafya au kupenga kamasi
- baada ya kumhudumia mgonjwa au kugusa kidonda
- wakati wowote mikono yako ni michafu

Nyakati muhimu kuliko zote ni baada ya kutoka chooni na kabla ya kugusa chakula. Kama familia inaweza kunawa mara chache tu kwa siku, isiache nyakati hizi mbili.

Wahudumu wa afya wana nyakati zaidi: kabla na baada ya kumgusa mgonjwa, kabla ya kazi safi kama kufunga kidonda, na baada ya kugusa damu au majimaji ya mwili, hata kama walivaa glavu.

Watoto hujifunza kwa kuiga. Watu wazima wakinawa mikono kwa wakati unaofaa, watoto nao watafanya hivyo.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "Jinsi ya kunawa mikono vizuri",
				Body: `Kunawa mikono vizuri huchukua chini ya dakika moja. Ukiharakisha, au ukilowesha vidole tu, vijidudu vingi hubaki.

Fuata hatua hizi:
- Lowesha mikono kwa maji safi yanayotiririka. Mimina kutoka kwenye jagi, bomba au kibuyu chirizi. Usitumbukize mikono kwenye bakuli moja na watu wengine.
- Weka sabuni na sugua hadi itoe povu.
- Sugua viganja viwili pamoja.
- Sugua nyuma ya kila mkono kwa kiganja cha mkono mwingine, vidole vikiwa vimeingiliana.
- Sugua katikati ya vidole.
- Sugua nyuma ya vidole kwenye kiganja cha mkono mwingine.
- Shika kila kidole gumba kwa mkono mwingine na ukisugue kote.
- Sugua ncha za vidole na kucha kwenye kiganja.
- Sugua vifundo vya mikono.
- Suuza vizuri kwa maji yanayotiririka.
- Kausha kwa kitambaa safi chako mwenyewe, au kung'uta mikono ikauke hewani. Usipangusie mikono kwenye nguo zako.

Sugua kwa sabuni kwa angalau sekunde 20. Njia rahisi ya kupima muda ni kuimba wimbo mfupi mara mbili, kama wimbo wa siku ya kuzaliwa. Kunawa kote, pamoja na kulowesha na kusuuza, huchukua sekunde 40 hadi 60.

Weka kucha fupi na safi, kwa sababu vijidudu hujificha chini ya kucha. Vua pete kama unaweza kabla ya kumhudumia mgonjwa au kuandaa chakula.

Kama hakuna sabuni kabisa, baadhi ya programu za afya hushauri kusugua mikono kwa majivu na maji. Lakini sabuni ni bora zaidi, kwa hiyo jitahidi kuwa na sabuni kila wakati.

Maji yanayotiririka kutoka kwenye chombo kidogo hutumia maji machache kuliko beseni, na huondoa vijidudu vizuri zaidi. Funga bomba, au achia kijiti cha kukanyaga, wakati unasugua.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "Kutengeneza kibuyu chirizi",
				Body: `Watu hunawa mikono mara nyingi zaidi maji na sabuni vikiwa karibu. Weka mahali pa kunawia karibu na choo na karibu na jiko. Kibuyu chirizi ni njia rahisi na ya bei nafuu. Ni dumu dogo la maji linaloinama unapokanyaga kijiti kwa mguu, kwa hiyo huhitaji kuligusa kwa mikono michafu.

Unahitaji:
- dumu safi la plastiki la lita 2 hadi 5 lenye mshikio
- vijiti viwili imara vyenye panda, kijiti kimoja kirefu cha kulaza juu yake, na kijiti kimoja cha kukanyaga
- kamba
- msumari, uliopashwa moto ili kutoboa tundu dogo
- sabuni, na mawe madogo au kokoto

Jinsi ya kutengeneza:
- Chimba mashimo mawili, yaliyoachana kama sentimita 60, na usimike vijiti vyenye panda ndani yake imara.
- Toboa tundu dogo karibu na shingo ya dumu, ili maji yatoke kidogo kidogo dumu linapoinama.
- Jaza dumu maji na ulitundike kwa mshikio wake kwenye kijiti kirefu kilicholazwa juu ya panda.
- Funga kamba kwenye shingo ya dumu, na ncha nyingine kwenye kijiti cha kukanyaga kilicho chini.
- Kanyaga kijiti kwa mguu. Dumu linainama na maji yanatoka. Ukiachia, linarudi juu.
- Tundika sabuni kwa kamba kwenye kijiti cha juu, au iweke ndani ya chupa ya plastiki iliyokatwa, ili isikae chini.
- Weka mawe au kokoto chini ya kibuyu, ili maji yaingie ardhini na yasilete matope.

Tunza kibuyu chirizi. Jaza maji kila siku, weka sabuni mpya ikiisha, na angalia kamba. Safisha dumu kila wiki. Hakikisha maji yaliyotumika hayatuami karibu na njia au vyanzo vya maji, kwa sababu maji yaliyotuama huzaa mbu.

Tengenezeni kibuyu chirizi pamoja na jirani zenu au shule yenu. Kila mtu akishiriki, watu wengi zaidi watakitumia na kukitunza.`,
				ContentURL:      "",
				DurationMinutes: 15,
			},
		},
	},
}
