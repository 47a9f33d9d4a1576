package main

// demoCourse is one course of the demo data set loaded by `fieldbook demo`.
type demoCourse struct {
	Slug        string // stable short key, used to derive a fixed UUID so the demo is idempotent
	Lang        string // the content's language ("" is English), one of internal/i18n's tags
	Title       string
	Description string
	Lessons     []demoLesson
}

// demoLesson is one lesson of a demo course, in order.
type demoLesson struct {
	Title           string
	Body            string // plain text paragraphs separated by a blank line ("\n\n"); lines starting with "- " are list items. No HTML, no Markdown headings.
	ContentURL      string // "" or an https URL to a well-known public reference page (e.g. a WHO or Red Cross page); leave "" if unsure
	DurationMinutes int
}

// demoCourses is the demo data: real, accurate teaching text.
//
// The text is written for learners with basic literacy in low-resource
// settings. It is general guidance only and does not replace hands-on
// training with a qualified instructor.
var demoCourses = []demoCourse{
	{
		Slug:        "first-aid",
		Title:       "Basic first aid",
		Description: "Simple first aid steps anyone can learn: keeping safe, getting help, the recovery position, bleeding, burns, choking and CPR for adults. Practise with a trained instructor whenever you can.",
		Lessons: []demoLesson{
			{
				Title: "Check for danger and call for help",
				Body: `When someone is hurt or suddenly becomes ill, the first few minutes matter. Stay calm. A calm helper makes better choices and helps the injured person feel safer. Before you run to help, stop and look around.

Check for danger to yourself, to other people and to the injured person. Look for:
- traffic on the road
- fire, smoke or gas
- electric wires on the ground or touching water
- deep or fast-moving water
- angry animals, falling walls or people fighting

Do not become a second casualty. If the place is not safe, wait for help or make it safe first, for example by switching off the power at the main switch. Only move the injured person if they are in danger where they are.

Next, check if the person responds. Kneel beside them, tap their shoulders and speak loudly: "Can you hear me? Open your eyes." If they do not answer, shout for people nearby to come and help. Then open the airway by gently tilting the head back and lifting the chin. Look, listen and feel for normal breathing for no more than 10 seconds.

Now get trained help. If there is a phone and an emergency number in your area, call it, or ask someone else to call while you stay with the person. Say where you are, what happened, how many people are hurt and how they are. If there is no phone, send a runner to the nearest health worker, clinic or trained first aider, and tell them exactly what to say.

If the person is breathing normally, use the recovery position and keep checking them. If they are not breathing normally, start CPR straight away. The next lessons show you how.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "The recovery position",
				Body: `Use the recovery position for a person who does not respond but is breathing normally. If they lie on their back, the tongue can block the throat, and vomit or blood can go into the lungs. Lying on their side keeps the airway open and lets fluid drain out of the mouth.

To put an adult in the recovery position:
- Kneel beside them. Remove glasses and hard things from their pockets.
- Place the arm nearest to you at a right angle to the body, elbow bent, palm facing up.
- Bring the far arm across the chest and hold the back of that hand against the cheek nearest to you.
- With your other hand, pull the far knee up so the foot is flat on the ground.
- Keep the hand pressed to the cheek and pull on the knee to roll the person towards you onto their side.
- Move the top leg so the hip and knee are bent at right angles. This stops them rolling forward.
- Tilt the head back gently so the airway stays open, with the mouth pointing slightly down.

Stay with the person and keep checking their breathing until help arrives. If they stop breathing normally, roll them onto their back and start CPR. If they must stay in this position for more than 30 minutes, turn them onto the other side to protect the lower arm.

If you think the person has fallen from a height, been hit by a vehicle or hurt their neck or back, move them as little as possible. If they are breathing and the airway is clear, keep the head still and in line with the body. Only turn them if they vomit or you cannot keep the airway open. Get trained help quickly.

Place an unconscious pregnant woman on her left side. Practise the recovery position with a partner during training so you can do it quickly when it matters.`,
				ContentURL:      "",
				DurationMinutes: 10,
			},
			{
				Title: "Stopping severe bleeding",
				Body: `Severe bleeding can kill in a few minutes, so act fast. Blood that spurts, flows steadily, or quickly soaks through cloth is an emergency. Shout for help and ask someone to call or fetch trained help while you start.

Protect yourself from blood if you can. Wear gloves or put a clean plastic bag over your hands. If you have nothing, do not delay. Help anyway, avoid touching your eyes and mouth, and wash your hands well with soap afterwards.

To stop the bleeding:
- Help the person sit or lie down.
- Find where the blood is coming from.
- Press firmly and directly on the wound with a clean cloth, such as a folded shirt or wrap. If there is no cloth, use your hand.
- Keep pressing hard without stopping for at least 10 minutes. Do not lift the cloth to look.
- If blood soaks through, do not remove the cloth. Put another cloth on top and press harder.
- When the bleeding slows, tie a bandage or strip of cloth firmly over the pad to keep up the pressure. Check that the fingers or toes beyond the bandage stay warm and pink.

If something is stuck in the wound, such as a piece of wood, glass or a knife, do not pull it out. It may be stopping the bleeding. Press around the object, not on it, and pad around it to hold it still.

Watch for shock. A person who has lost a lot of blood may become pale, cold, sweaty, confused, thirsty or weak, with fast breathing. Lay them down, keep them warm with a cloth or blanket, keep talking to them, and do not give food or drink. Take them to a health facility as fast as possible, even if the bleeding has stopped. A tourniquet should only be used by someone trained to use one.`,
				ContentURL:      "",
				DurationMinutes: 10,
			},
			{
				Title: "Burns",
				Body: `Burns from cooking fires, hot water, hot oil and lamps are common, especially in young children. Quick and correct first aid reduces pain, scarring and infection.

First, stop the burning. If clothes are on fire, tell the person to stop, drop to the ground and roll, or cover them with a heavy cotton or wool cloth to put out the flames. Do not use plastic or nylon. Move them away from the heat. For an electrical burn, switch off the power before you touch the person.

Cool the burn with cool, clean running water for 20 minutes, as soon as you can. Pouring water slowly from a jug or cup works well. Cooling still helps if you start up to 3 hours after the burn. Do not use ice or iced water, because it damages the skin. Keep the rest of the body warm, especially in a child. While cooling, gently remove rings, bracelets and tight clothing near the burn before it swells. Do not pull off anything that is stuck to the skin.

After cooling, cover the burn loosely with clean plastic food wrap, a clean plastic bag, or a clean cloth that will not stick. Do not:
- put butter, oil, toothpaste, egg, flour, ash, dung or herbs on a burn
- burst blisters
- wrap the burn tightly

For a chemical burn, brush off any dry powder, then rinse with plenty of running water for at least 20 minutes. Remove clothing that has the chemical on it, protecting your own hands.

Get trained help quickly if the burn is bigger than the palm of the person's hand, or is deep (white, brown or black skin, sometimes with no pain). Also get help if the burn is on the face, hands, feet, genitals or a joint, if it was caused by chemicals or electricity, if the person is a young child or an older person, or if they have breathing problems after being near smoke.`,
				ContentURL:      "https://www.who.int/news-room/fact-sheets/detail/burns",
				DurationMinutes: 10,
			},
			{
				Title: "Choking in adults",
				Body: `Choking happens when food or an object blocks the airway. A choking person may hold their throat, be unable to speak, cough weakly, make high-pitched noises, or turn blue around the lips.

Mild choking: if the person can cough, speak or breathe, the airway is only partly blocked. Encourage them to keep coughing hard. Do not hit their back while they can cough well, and do not put your fingers down their throat. Stay with them.

Severe choking: if they cannot speak, cough or breathe, act at once. Shout for help, then:
- Give up to 5 back blows. Stand to the side and slightly behind them. Support their chest with one hand and lean them forward. Hit firmly between the shoulder blades with the heel of your other hand. Check after each blow if the object has come out.
- If that does not work, give up to 5 abdominal thrusts. Stand behind them and put both arms around the upper belly. Make a fist and place it between the belly button and the bottom of the breastbone. Hold it with your other hand and pull sharply inwards and upwards.
- Keep repeating 5 back blows and 5 abdominal thrusts until the object comes out or the person becomes unresponsive.

If the person becomes unresponsive, lower them carefully to the ground, make sure someone is getting trained help, and start CPR. Each time you open the airway, look in the mouth and remove any object you can clearly see. Do not sweep blindly with your fingers.

Anyone who has had abdominal thrusts must be checked by a health worker afterwards, because thrusts can cause injury inside the body. Abdominal thrusts are not used on babies under 1 year old, and chest thrusts are used instead for women in late pregnancy. Learn these different methods from a trained instructor.`,
				ContentURL:      "",
				DurationMinutes: 10,
			},
			{
				Title: "CPR basics for adults",
				Body: `If a person does not respond and is not breathing normally, their heart has probably stopped. Without help they will die within minutes. CPR (cardiopulmonary resuscitation) pushes blood to the brain until trained help arrives. CPR that is not perfect is still much better than doing nothing.

Check quickly:
- Make sure the area is safe.
- Tap the shoulders and shout. No answer means the person is unresponsive.
- Tilt the head back, lift the chin, and look for normal breathing for no more than 10 seconds. Slow, noisy gasps are not normal breathing.
- Shout for help and send someone to call emergency services or fetch trained help. If a defibrillator (AED) is nearby, ask them to bring it.

To give chest compressions:
- Kneel beside the person, who should lie on their back on a firm surface.
- Put the heel of one hand in the centre of the chest, on the lower half of the breastbone. Put your other hand on top and lock your fingers together.
- Keep your arms straight and your shoulders over your hands.
- Push straight down hard, 5 to 6 centimetres (about 2 inches), then let the chest come fully back up.
- Push fast, 100 to 120 times a minute. That is about 2 pushes every second.

If you are trained and willing, give 2 rescue breaths after every 30 compressions. If you are not trained, do hands-only CPR: keep pushing without stopping. If a defibrillator arrives, switch it on and follow its spoken instructions.

Do not stop until trained help takes over, the person starts breathing normally, you are too exhausted to continue, or the place becomes dangerous. If other people can help, swap every 2 minutes so the pushes stay strong. CPR is best learned by practising on a training dummy with a qualified instructor, so join a course if you can.`,
				ContentURL:      "",
				DurationMinutes: 15,
			},
		},
	},
	{
		Slug:        "water-safety",
		Title:       "Safe drinking water",
		Description: "Why dirty water makes people sick, how to make water safe by boiling or chlorine, how to store it safely, and how to make oral rehydration solution for diarrhoea.",
		Lessons: []demoLesson{
			{
				Title: "Why water makes people sick",
				Body: `Water can look clear and still carry germs that make people sick. These germs are too small to see. Most of them come from human and animal faeces (poo). When people defecate in the open, or latrines are close to wells and rivers, rain, flies and dirty hands carry the germs into water and food.

Drinking dirty water can cause:
- diarrhoea, which is very dangerous for babies and young children
- cholera, which can kill in hours because the body loses so much water
- typhoid fever
- worms and other infections

Water can become dirty at the source, such as an open well, pond, river or broken pipe. It can also become dirty after it is collected, for example in a dirty container, when hands or cups are dipped into it, or when it is left uncovered.

You can protect your family by:
- using the safest source you have, such as a protected well, borehole or tap
- using a latrine, and building latrines at least 30 metres away from water sources
- treating drinking water by boiling, chlorine or another method your health worker recommends
- storing treated water in a clean, covered container
- washing hands with soap after using the toilet and before touching food or drinking water

Treating water kills germs, but it does not remove chemicals such as arsenic, fluoride or fuel. If your health worker says your water source has a chemical problem, use a different source. The next lessons show how to make water safe to drink.`,
				ContentURL:      "https://www.who.int/news-room/fact-sheets/detail/drinking-water",
				DurationMinutes: 8,
			},
			{
				Title: "Boiling water",
				Body: `Boiling is one of the surest ways to kill germs in water. It works against bacteria, viruses and parasites. It needs fuel and time, but no chemicals.

How to boil water safely:
- If the water is cloudy, let it settle, then pour the clearer water through a clean folded cloth into a clean pot.
- Bring the water to a rolling boil. This means big bubbles keep rising, even when you stir it.
- Keep it at a rolling boil for 1 minute. High in the mountains, above about 2000 metres, boil for 3 minutes.
- Let the water cool in the same pot with the lid on. Do not add ice or untreated water to cool it.
- Pour it into a clean container with a lid, without touching the water with your hands or a cup.

Boiled water can become dirty again if it is stored badly. Keep it covered, pour it out rather than dipping cups in, and use it within a day or two.

Be careful of burns. Keep children away from the fire and the hot pot, and do not leave hot water where a child can knock it over. Boiled water may taste flat. Pouring it between two clean containers a few times adds air and makes it taste better.

Boiling does not remove dirt, salt or chemicals. It also uses a lot of fuel and can fill the home with smoke. Where fuel is scarce, chlorine or another method recommended by your health worker may be better for everyday use.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "Treating water with chlorine",
				Body: `Chlorine kills most germs in water and keeps protecting the water for some time after treatment. You can use tablets or liquid sold for treating water, or plain household bleach.

If you have a product made for treating water, always follow the dose written on its packet. Products differ in strength, and the packet is the safest guide. Your health worker can tell you which products are sold locally and how to use them.

Using household bleach:
- Use only plain, unscented bleach. Do not use bleach with perfume, colour-safe bleach or bleach with added cleaners.
- Check the label. This guidance is for bleach with about 5 to 6 percent chlorine (sodium hypochlorite). If the strength is very different or unknown, ask a health worker first.
- For clear water, add 2 drops of bleach to each 1 litre of water. For a 20 litre jerrycan, add 40 drops.
- If the water is cloudy, let it settle and pour it through a clean cloth first. If it is still cloudy, use 4 drops per litre.
- Stir or shake, close the container and wait at least 30 minutes before drinking.

After 30 minutes the water should have a slight smell of chlorine. If it does not, add the same dose again and wait another 15 minutes. If the taste is too strong, pour the water between two clean containers and let it stand for a few hours.

Bleach is dangerous if swallowed before it is mixed into water. Keep the bottle closed, labelled and out of reach of children. Never mix bleach with other cleaning products. Use a dropper or bottle cap kept only for this job. Bleach gets weaker with age, heat and sunlight, so store it in a cool, dark place.

Chlorine does not kill every germ. Some parasites survive it, so boiling is safer when there is an outbreak or your health worker advises it.`,
				ContentURL:      "",
				DurationMinutes: 12,
			},
			{
				Title: "Storing water safely",
				Body: `Clean water can become dirty again at home. Water that was safe at the tap or well is often dirty by the time people drink it, because of hands, cups and open containers. Good storage keeps treated water safe.

A good water container:
- has a lid that closes well
- has a narrow opening or a tap, so hands and cups cannot go inside
- is used only for drinking water
- is easy to clean

Clean the container often. Wash the inside with soap and clean water, or rinse it with a weak chlorine solution, then rinse with treated water. Scrub the lid and tap too. Let everything dry upside down, off the ground.

Keep the container:
- off the floor, on a table or shelf
- in a cool, shaded place
- away from animals and small children
- covered at all times

Take water out by pouring or by using the tap. If you must use a cup or ladle, use one with a long handle, keep it clean, and use it only for this job. Never put your hands into drinking water, and wash your hands with soap before handling it.

Try to use stored water within a day or two, and treat it again if you are not sure it is safe. Do not mix new untreated water with water you have already treated. Teach everyone in the household, including children, these simple rules.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "Oral rehydration solution (ORS)",
				Body: `Diarrhoea makes the body lose water and salts. This is called dehydration. It is most dangerous for babies, young children and older people, and it can kill. Oral rehydration solution (ORS) replaces the lost water and salts and saves many lives.

The best choice is ORS packets from a clinic or shop, mixed exactly as the packet says. If you have no packets, you can make the WHO home recipe. Mix these until the sugar and salt dissolve:
- 1 litre of clean, safe drinking water (boiled and cooled, or treated)
- 6 level teaspoons of sugar
- half a level teaspoon of salt

Measure carefully. Too much salt can be dangerous, especially for babies, and too little will not work well. Use level teaspoons, not heaped ones, and a real 1 litre measure if you can. The drink should taste no saltier than tears.

How to give it:
- Give small sips often, from a cup or spoon. For a small child, give a spoonful every 1 to 2 minutes.
- If the person vomits, wait 10 minutes, then give it again more slowly.
- Give more after each loose stool.
- Keep breastfeeding babies, and give food as soon as the person can eat.
- Make a fresh mix each day and throw away any left after 24 hours.
- Ask a health worker about zinc tablets for children with diarrhoea.

ORS helps, but it does not replace trained medical care. Go to a health worker or clinic straight away if the person:
- cannot drink or breastfeed, or vomits everything
- is very sleepy, hard to wake, or has sunken eyes
- passes little or no urine
- has blood in the stool or a high fever
- is a young baby
- does not get better within a day, or gets worse`,
				ContentURL:      "https://www.who.int/news-room/fact-sheets/detail/diarrhoeal-disease",
				DurationMinutes: 12,
			},
		},
	},
	{
		Slug:        "hand-hygiene",
		Title:       "Hand washing and hygiene",
		Description: "When and how to wash hands with soap, and how to build a simple tippy tap hand washing station for the home, school or clinic.",
		Lessons: []demoLesson{
			{
				Title: "Why and when to wash hands",
				Body: `Many illnesses spread from hands to mouths. Germs from faeces, coughs, sneezes, sick people and raw meat get onto our hands. We then touch food, water, our faces and other people. Washing hands with soap is one of the cheapest and most effective ways to prevent diarrhoea, pneumonia, eye infections and other diseases.

Water alone is not enough. Soap loosens the grease and dirt that hold germs and helps rinse them away. Any ordinary soap works. Bar soap, liquid soap, or soapy water made by mixing soap powder with water in a bottle are all fine.

Wash your hands with soap and water:
- after using the toilet or latrine
- after cleaning a child's bottom or changing a nappy
- before preparing, cooking or serving food
- before eating, and before feeding a child or breastfeeding
- before handling drinking water
- after touching animals or their dung
- after coughing, sneezing or blowing your nose
- after caring for a sick person or touching a wound
- whenever your hands look or feel dirty

The most important times are after using the toilet and before touching food. If a family can only manage a few hand washes a day, these are the ones to keep.

Health workers and first aiders have extra moments: before and after touching a patient, before a clean task such as dressing a wound, and after contact with blood or body fluids, even if gloves were worn.

Children learn by copying. When adults wash their hands at the right times, children will do the same.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "How to wash hands well",
				Body: `Washing hands well takes less than a minute. Rushing, or only wetting the fingers, leaves many germs behind.

Follow these steps:
- Wet your hands with clean running water. Pour from a jug, tap or tippy tap rather than dipping hands in a shared bowl.
- Put on soap and rub to make a lather.
- Rub palm to palm.
- Rub the back of each hand with the other palm, with fingers linked.
- Rub between the fingers.
- Rub the backs of the fingers against the opposite palm.
- Hold each thumb in the other hand and rub around it.
- Rub the fingertips and nails in the other palm.
- Rub the wrists.
- Rinse well under running water.
- Dry with a clean cloth that is not shared, or shake and let hands dry in the air. Do not wipe them on your clothes.

Scrub with soap for at least 20 seconds. A simple way to time this is to sing a short song, such as the birthday song, twice. The whole wash, including wetting and rinsing, takes about 40 to 60 seconds.

Keep nails short and clean, because germs hide under them. Take off rings if you can before caring for a patient or preparing food.

If there is truly no soap, some health programmes advise rubbing hands with wood ash and water, but soap is much better, so try to always keep some. Alcohol hand rub with at least 60 percent alcohol can be used when hands do not look dirty. Rub it over every part of both hands until they are dry. It does not work well on dirty or greasy hands.

Running water from a small container uses less water than a basin and rinses germs away better. Turn off the tap, or let go of the pedal, while you scrub.`,
				ContentURL:      "",
				DurationMinutes: 8,
			},
			{
				Title: "Making a tippy tap hand washing station",
				Body: `People wash their hands more often when water and soap are close by. Put a hand washing place near the latrine and near the kitchen. One cheap design is the tippy tap. A small container of water tips over when you press a foot pedal, so you never touch it with dirty hands.

You need:
- a clean plastic container of 2 to 5 litres with a handle, such as a small jerrycan
- two strong forked sticks, one straight stick to go across, and one stick for the pedal
- string or rope
- a nail, heated in a fire to make a small hole
- soap, and some small stones or gravel

How to build it:
- Dig two holes about 60 centimetres apart and fix the forked sticks in them firmly.
- Make a small hole near the neck of the container so a thin stream of water comes out when it tips.
- Fill the container and hang it by its handle from the straight stick laid across the forks.
- Tie one end of the string to the neck of the container and the other end to the pedal stick lying on the ground.
- Press the pedal with your foot. The container tips and water pours out. Let go and it stands up again.
- Hang the soap on a string from the cross stick, or keep it in a cut plastic bottle, so it stays off the ground.
- Put stones or gravel under the tap so the water soaks away and does not make mud.

Keep the station working. Refill the water every day, replace the soap when it runs out, and check the string. Clean the container each week. Make sure used water drains away from paths and water sources, because standing water breeds mosquitoes.

Build a tippy tap together with your community or school. When everyone helps make it, more people use it and look after it.`,
				ContentURL:      "",
				DurationMinutes: 15,
			},
		},
	},
}
