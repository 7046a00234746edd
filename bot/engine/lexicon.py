"""The line's vocabularies for understanding residents, as data (normalised: lower case, no accents).

One phrase per comma in the phrase lists; words separated by spaces in the word sets. bot/engine/nlu.py
holds the rules that use them.
"""
from __future__ import annotations


def phrases(text: str) -> tuple[tuple[str, ...], ...]:
    """Comma-separated phrases (newlines are spaces) as tuples of words."""
    return tuple(tuple(part.split()) for part in text.replace("\n", " ").split(",") if part.strip())


STOP_WHOLE = phrases("""
stop, stopall, stop all, unsubscribe, cancel, cancelar, end, quit, optout, opt out, revoke, parar, alto, baja,
darme de baja, stop it, no mas, ya no, stop stop, unsuscribe, desuscribir, detener, basta, revoke consent, revoke my
consent, i revoke, i revoke consent, i revoke my consent, withdraw consent, withdraw my consent, opt me out, opt out
pls, retiro mi consentimiento, revoco mi consentimiento, darse de baja, dar de baja, denme de baja, salir, salirme,
salir de la lista
""")
# Asked how to stop ("how do i stop getting these", "como le hago para que ya no me lleguen"): answered, then asked
# whether to stop; not when it is about later ("si despues ya no quiero recibir mensajes como le hago?").
HOW_TO_STOP = phrases("""
stop getting, stop receiving, stop these, stop the messages, stop the texts, stop the alerts, dejar de recibir, ya no
me lleguen, ya no me llegue, que no me lleguen, ya no recibir, dar de baja, darme de baja, me doy de baja, salirme,
unsubscribe, opt out, get off this list, get off the list
""")
# "No me manden nada": an opt-out only at the end of its clause, or before "nada" / "más" / thanks; not "no me manden
# a la oficina, mejor aquí les cuento" or "no me mande la foto todavía".
SEND_ME_NOT = phrases("no me manden, no me mande, no me envien, no me envie, no manden, no envien")
SEND_ME_NOT_TAIL = frozenset("nada mas ya nunca gracias porfa pls favor por bendiciones".split())
LATER = frozenset("later despues luego adelante after afterwards someday eventually future futuro if".split())
STOP_PHRASES = phrases("""
pare de mandar, paren de mandar, cancelar suscripcion, cancel subscription, cancelar la suscripcion,
stop texting, stop messaging, stop sending, stop contacting, stop writing, dont send me anything else, do not send
me anything else, dont send me anything more, no me manden nada mas, no me envien nada mas, dont text, do not text, dont
message, do not message, dont contact, do not contact, no more messages, no more texts, unsubscribe me, remove
me, take me off, delete me from, leave me alone, no me escriban, no
me escriba, no me vuelvan a, no mas textos, no mas sms, no more sms, no more messages pls, dejen de mandar, dejen de escribir, dejen de enviar, from the list,
from your list, de la lista, de su lista, sacame de, quitame de, remove my number, dont want
these messages, dont want your messages, no quiero estos mensajes, no quiero sus mensajes, quit messaging,
quit texting, quit sending, cancel messages, cancelar mensajes, ya no manden, no manden mas, dont want these texts, dont want your texts, dont want texts, no more texts, basta de
mensajes, basta ya de mensajes, paren con los mensajes, paren los mensajes, para ya de mandarme, deja de
mandarme, no molesten, dont bother me, de mandarme cosas, dejen de mandarme, dejen de escribirme, dejen de
enviarme, deje de mandar, deje de escribir, no quiero mas mensajes, no quiero recibir, no mas mensajes, ya no
quiero mensajes, ya no me manden, ya no me escriban, quitenme de, saquenme de, borren mi numero, no me
contacten, take my number off, my number off, off your list, off the list, off this list, dont want any more
messages, dont want any more texts, dont want anymore messages, dont want anymore texts, any more messages, saquen
mi numero, quiten mi numero, parenle con los mensajes, parenle a los mensajes, never signed up, didnt sign up, did
not sign up, no me suscribi, nunca me suscribi, yo no me inscribi
""")
LANG_ES_PHRASES = phrases("""
espanol, en espanol, in spanish, spanish, habla espanol, hablas espanol, hablan espanol, hable espanol, speak
spanish, castellano, mejor en espanol
""")
LANG_EN_PHRASES = phrases("""
english, in english, speak english, ingles, en ingles, habla ingles, hablan ingles, do you speak english
""")
# A language named in a description of someone ("spoke spanish with an accent", "hablaban ingles entre ellos"): not a
# request for it.
SPEECH_DESCRIBED = phrases("""
spoke, was speaking, were speaking, was talking, were talking, talked in, accent, acento, hablaba, hablaban,
hablando, estaba hablando, estaban hablando, sounded, sounds like
""")
WANTS_EN_PHRASES = phrases("""
no leo bien espanol, my spanish is bad, mi espanol es malo, someone who speaks english, message in spanish,
no spanish, dont speak spanish, do not speak spanish, dont understand spanish, no hablo espanol, dont read
spanish, prefer english, prefiero ingles, prefiero en ingles, no hablo bien espanol, no hablo mucho espanol, english from now on,
espanol no es bueno, spanish is not good, spanish isnt good, english only, solo ingles, only english, no leo
espanol, no lee espanol, no lee bien espanol, doesnt read spanish, does not read spanish, mi espanol no es muy
bueno, mi espanol no es bueno, only speak english, i only speak english, solo hablo ingles, only read english,
answers in english, answer in english, reply in english, respond in english, contestar en ingles, contesten en
ingles, responder en ingles, escribirme en ingles, escribame en ingles
""")
WANTS_ES_PHRASES = phrases("""
no english, dont speak english, no hablo ingles, no hablo mucho ingles, no entiendo ingles, no se ingles, english is not good, prefer
spanish, prefiero espanol, prefiero en espanol, no hablo bien ingles, espanol de ahora en adelante, english
isnt good, ingles no es bueno, only reads spanish, only speaks spanish, only spanish, solo espanol, only
understands spanish, dont read english, no leo ingles, mi ingles es malo, mi ingles es muy malo, mi ingles no
es bueno, my english is bad, my english is not good, my english isnt good, english is bad, english is not very
good, no entiendo nada en ingles, contestaron en ingles, me contestaron en ingles, me escribieron en ingles,
answered in english, replied in english, hablo poco ingles, hablo poquito ingles, un poco de ingles,
poquito ingles, only a little english, little english, i speak a little english
""")
# A plain yes, the whole message: the answer to "Do you want to stop receiving messages?" that opts out (never "ok",
# "1" or "bueno", which also mean "understood" or a menu choice).
YES_WHOLE = phrases("""
si, yes, yeah, yep, yup, ya, claro, claro que si, si quiero, si por favor, yes i do, yes stop, si stop,
si parar, si alto, si basta, of course, por supuesto, definitely, si eso, that is right, correcto
""")
EMERGENCY_WHOLE = phrases("""
911, emergency, emergencia, sos, auxilio, socorro, help me, ayudame, ayudenme, help help, ayuda ayuda,
urgente, urgent, help now, ayuda ya, ayudeme
""")
URGENCY_PHRASES = phrases("""
help now, help me now, ayuda ya, necesito ayuda ya, ayudenme ya, ayudame ya, llamen a
la policia, send police, manden a la policia, manden policia, send help, manden ayuda, right now help,
emergency now, in danger, en peligro, going to kill, van a matar, me quieren matar, wants to kill, trying to
kill, quieren matarme, is going to kill, send someone, manden a alguien, mande a alguien, kick my door,
kicking my door, kicking the door, breaking into my, breaking into our, trying to get in, trying to break in,
breaking in now, someone is in my house, someone is in the house, somebody is in my house, alguien entro, se
metio alguien, se estan metiendo, estan entrando, quieren entrar, tumbando la puerta, pateando la puerta, im
hiding, i am hiding, estoy escondido, estoy escondida, estamos escondidos, come now, vengan ya, vengan rapido,
send the police, send a patrol, mandenme la patrulla, manden la patrulla, manden una patrulla, mandenme a
alguien, manden una ambulancia, send an ambulance, call an ambulance, tumbar la puerta, break down the door,
kick in the door, kick the door in, quiere entrar, quieren entrar, shots fired, just grabbed, just took a,
just shot, just stabbed, acaban de llevar, se acaban de llevar, acaban de disparar, acaban de balear, acaban
de asaltar, acaban de robar, acaban de atacar, esta pasando ahorita, happening now, happening right now, esta
pasando ahora, open my door, open my front door, open the door, open the front door, abrir la puerta, abrir mi
puerta, forcing the door, forzando la puerta
""")
# A child missing or being taken: a child named, and a sign that the child is gone (nlu._child_missing).
CHILDREN = frozenset("""
nino nina ninos ninas nene nena hijo hija hijos hijas sobrino sobrina nieto nieta bebe baby babies kid kids son
daughter grandson granddaughter nephew niece toddler boy girl chamaco chamaca chamaquito morrito morrita escuincle
chiquito chiquita
""".split())
# Adults who cannot find their way back or ask for help: missing, they are in danger like a young child.
VULNERABLE = frozenset("dementia demencia alzheimer alzheimers autista autistic autism autismo".split())
DEPENDANTS = CHILDREN | VULNERABLE
GONE_WORDS = frozenset("""
desaparecio desaparecida desaparecido desaparecieron missing perdido perdida secuestraron secuestrado secuestrada
kidnapped abducted
""".split())
GONE_PHRASES = phrases("""
no llego, no ha llegado, no aparece, no lo encuentro, no la encuentro, no lo encontramos, no la encontramos, no lo
hallamos, no la hallamos, cant find, cannot find, can not find, se perdio, se lo llevaron, se la llevaron, se llevaron
a, jalaban a, jalaron a, subieron a un carro, lo subieron, la subieron, put him in, put her in, took him, took her,
grabbed him, grabbed her, left with a man, left with a woman, left with someone, wandered off, ran off, didnt come
home, didnt come out, hasnt come home, no salio, no regresa, nobody knows where, nadie sabe donde
""")
# ... unless the child is back, or it was long ago (the broad PAST words, "siempre", "hace", "años", are not enough:
# "tiene 7 años, siempre llega a las 3").
FOUND_PHRASES = phrases("""
ya lo encontramos, ya la encontramos, ya lo encontre, ya la encontre, ya aparecio, ya llego, ya regresa, ya esta en
casa, we found him, we found her, found him, found her, came home, is home, is back, got home
""")
LONG_AGO = frozenset("""
yesterday ayer anoche antier anteayer week weeks month months semana semanas mes meses pasado pasada
""".split())
# Help has already come: a life in danger is being cared for ("ya está en el hospital", "the ambulance already took him").
HELP_ARRIVED = phrases("""
ya esta en el hospital, esta en el hospital, ya lo llevaron al hospital, ya la llevaron al hospital, lo llevaron al
hospital, la llevaron al hospital, already at the hospital, in the hospital now, is in the hospital, is at the hospital,
ambulance already took, ambulance took him, ambulance took her, la ambulancia ya se lo llevo, la ambulancia ya se la
llevo, la ambulancia se lo llevo, la ambulancia se la llevo, paramedics already came, ya vinieron los paramedics,
still in the hospital, sigue en el hospital, todavia esta en el hospital, aun esta en el hospital, lo cosieron, la
cosieron, le dieron puntos, stitched him up, stitched her up, got stitches, lo vendaron, la vendaron
""")
# Past-tense verbs alone ("el carro se fue, era rojo", "he was wearing a hoodie"): they describe, they do not date a
# cry for help or a life in danger the way "ayer" or "last week" do (nlu._is_emergency).
TENSE_ONLY = frozenset("was were had did happened used era eran estaba estaban fue fueron tenia tenian paso pasaron"
                       .split())
# Earlier today, told as a time of day: it dates an event as PAST's words do ("pulled a gun on me this morning").
DATED_PHRASES = phrases("this morning, earlier today, this afternoon, esta manana, hoy en la manana, hoy temprano, "
                        "esta madrugada, en la madrugada, hoy en la madrugada, this past")
# Someone's life in danger now, whatever the cause (medical, fire, confinement, an intruder; cries for help heard
# nearby; being surrounded).
LIFE_PHRASES = phrases("""
oigo gritar, oigo gritos, oigo que grita, escucho gritos, escucho gritar, se oyen gritos, se escuchan gritos, gritando
auxilio, gritando ayuda, grita pidiendo ayuda, gritando pidiendo ayuda, gritar pidiendo ayuda, hear screaming, hear
someone screaming, hear a woman screaming, hear a man screaming, hear a kid screaming, hear a child screaming, i hear
screams, hear screams, hear yelling for help, screaming for help, yelling for help, crying for help, calling for help,
me estan rodeando, nos estan rodeando, me rodearon, nos rodearon, me tienen rodeado, me tienen rodeada, nos tienen
rodeados, estan rodeando a, im surrounded, we are surrounded, were surrounded, surrounding me, surrounding us,
surrounded me, surrounded us,
inside now, are inside, they are inside, estan adentro, estan dentro,
inside my house, in my house, man inside, someone inside, somebody inside, dentro de mi casa, adentro de mi casa,
overdosing, not responding, no responde, se esta muriendo, is dying, se muere, naloxona, naloxone, narcan,
se esta metiendo, metiendo por la ventana, entrando por la ventana, climbing in, breaking in through, kick in,
not breathing, isnt breathing, cant breathe, no respira, no puede respirar, wont wake up, no despierta,
no esta respirando, no estan respirando, no esta consciente, no esta reaccionando, no reacciona, no esta respondiendo,
collapsed, se desmayo, unconscious, inconsciente, overdose, sobredosis, took a bunch of pills,
heart attack, ataque al corazon, le dio un infarto, bleeding a lot, sangrando mucho, smoke coming out,
sale humo, hay humo, house is on fire, se esta quemando, en llamas, locked in, locked me in, estoy encerrada,
estoy encerrado, me encerro, me tiene encerrada, me tiene encerrado, me tienen encerrada, nos tienen encerrados,
pulled me into, me subio a la fuerza, hay un tipo en mi, hay un hombre en mi, someone in my room,
a man in my room, circling the block, tirando tiros, tan tirando, estan tirando,
need an ambulance, necesito una ambulancia, ambulance now, llamen una ambulancia,
llamen a una ambulancia, need paramedics, hurt bad, badly hurt, hurt really bad, muy
herido, muy herida, mal herido, mal herida, got hit by a car, lo atropellaron, la atropellaron, atropellaron a, active shooter, tirador activo, didnt come home, no ha llegado a la casa, no llego a la casa,
nobody has seen him, nobody has seen her, nadie lo ha visto, nadie la ha visto, my son is missing, my daughter is
missing, cant find my son, cant find my daughter, no encuentro a mi hijo, no encuentro a mi hija, se perdio mi hijo,
se perdio mi hija, tienen a mi, they have my, lo matan, la matan, lo van a matar, la van a matar, kill him in, kill
her in, need police, need the police, need a cop, need cops,
necesito policia, necesito a la policia, necesitamos policia, necesitamos a la policia, ocupo policia, ocupo
una patrulla, necesito una patrulla, need a patrol, smell gas, smells like gas, gas smell, smell of gas, gas leak,
olor a gas, huele a gas, huele mucho a gas, huele muchisimo a gas, fuga de gas, jumping somebody, jumping someone,
jumping a guy, jumping a man, jumping a kid, jumping him
""")
# A weapon used to threaten or aimed ("threatening the cashier with a knife", "apuntandole con la pistola"): danger now,
# in an answer too, unless the message dates it.
WEAPON_THREATS = frozenset("""
threatening pointing aiming waving amenazando amenazandole amenazandola amenazandolo amenazandome amenazandonos
apuntando apuntandole apuntandoles apuntandome apuntandonos
""".split())
CALLED_911 = phrases("called 911, llame al 911 y, llamamos al 911, is this 911, es el 911")
CALL_911 = phrases("call 911, llamen al 911, llame al 911, llamar al 911")
# Explicit "now" that outweighs a past time elsewhere ("the guy that robbed me last week is outside right now").
NOW_PHRASES = phrases("""
a moment ago, moment ago, seconds ago, hace un momento, hace un momentito, hace unos segundos,
right now, ahora mismo, ahorita mismo, ahorita, just now, en este momento, at this moment, minute ago, minutes
ago, hace un minuto, hace unos minutos, hace un ratito, still there, sigue ahi, todavia esta, acaban de, acaba
de, min ago, mins ago, happening now, going on now, here again, aqui otra vez, otra vez afuera, outside again, back again, right this
second, this second, este momento, esta pasando, pasando ahorita, pasando ahora, as we speak, mientras escribo,
while i text, while im texting, in progress, en progreso
""")
# Someone is back now ("the guy who robbed me last week is back", "ya volvio"): present whatever time the rest of the
# message names; not when settled somewhere again ("is back in the neighborhood", "ya volvio al barrio", "back open").
BACK_NOW = phrases("""
is back, are back, hes back, shes back, theyre back, ya volvio, ya volvieron, ya regreso, ya regresaron, esta de
vuelta, estan de vuelta
""")
BACK_SETTLED = frozenset("in around open at al a en to on home".split())
# Someone named by what they did ("the guy who robbed me last week", "el que me amenazo ayer") who is here now: the
# past time belongs to the person, the danger is present. Not a habit ("is outside every night"): a report.
RELATIVE_WORDS = frozenset("who that que quien".split())
PERSON_WORDS = frozenset("""
guy guys man men dude dudes woman lady person people one ones boy kid ex neighbor vato vatos tipo tipos hombre hombres
senor senora chamo chamos mujer persona muchacho muchachos chavo chavos morro morros vecino vecina el la los las
""".split())
# The bare words for "now", which can belong to a clause about something else ("me pegó el sábado, ahorita está en
# el trabajo"), unlike "está pasando" or "acaban de", which say the event itself is now.
NOW_WORDS = phrases("right now, ahora mismo, ahorita mismo, ahorita, en este momento, at this moment, this second, "
                    "right this second, este momento, now, ahora")
# What a "now" in a clause of its own can say instead of danger: the writer is safe or elsewhere, the other is away,
# nothing is happening ("ahorita estoy con mi mama", "hes at work right now", "hes not doing anything right now").
AWAY_NOW = phrases("""
estoy con mi, estoy con mis, estoy en casa de, estoy bien, estamos bien, im ok, im okay, im fine, im safe, im with my,
im at my, im staying, i am staying, im at work, estoy en el trabajo, estoy en mi trabajo, esta en el trabajo, esta en
su trabajo, esta trabajando, is at work, hes at work, shes at work, theyre at work, is in jail, esta en la carcel, esta
preso, esta detenido, is locked up, no pasa nada, no esta pasando nada, nothing going on, nothing is going on, nothing
happening, nothing is happening, not doing anything, no esta haciendo nada, no hace nada
""")
HERE_NOW = phrases("""
is here, is outside, is in my, is at my, is behind me, is following me, is walking towards me, is coming towards me,
is coming at me, is in front of my, is standing outside, is at the door, is at my door, is right outside, is across
the street, esta aqui, esta afuera, esta en mi, esta enfrente de mi, esta atras de mi, me esta siguiendo, viene hacia
mi, esta en la puerta, esta parado afuera, esta parado enfrente, anda aqui, anda afuera, esta en frente de mi, is
outside my, esta afuera de mi
""")
# A short message that someone is here now ("ESTA AQUI", "cant talk hes here", "ay no ya me vio"): to a tip line,
# the one the report is about (every such message of five words or fewer in the labelled sets is an emergency).
# "hes in my yard", "shes at the door", "theyre behind me": the phrases above that start with "is", said of someone
HERE_NOW_SAID_OF = tuple((who,) + phrase[1:] for phrase in HERE_NOW if phrase[0] == "is"
                         for who in ("hes", "shes", "theyre"))
SOMEONE_HERE = HERE_NOW + HERE_NOW_SAID_OF + phrases("""
estan aqui, hes here, he is here, shes here, she is here, theyre here, they are here, estan afuera, hes outside,
theyre outside, ya me vio, ya me vieron, donde estoy, where i am, where im at
""")
HABITUAL = frozenset("""
always siempre every cada todos todas diario usually sometimes aveces normally often seguido mondays tuesdays
wednesdays thursdays fridays saturdays sundays weekends
""".split())
# A danger told as a habit ("always", "todas las noches", "a veces"): with nothing that says now, a report.
HABIT_PHRASES = phrases("""
always, siempre, every night, every day, every weekend, every morning, every evening, every week, all the time, all
night long, todos los dias, todas las noches, todo el tiempo, todos los fines, cada noche, cada dia, cada fin, cada
semana, a veces, sometimes, usually, often, seguido, en las noches, por las noches, at night, on weekends, los fines de
semana
""")
# The danger is over ("ya se fueron", "they left"): a weapon or an attack in the same message is a report.
# The writer would not call 911 for this: the danger is over, on their word (a danger may still follow it).
WOULD_NOT_CALL = phrases("didnt want to call 911, dont want to call 911, no quise llamar al 911, no es para que vengan")
PASSED_PHRASES = phrases("""
ya se fueron, ya se fue, se fueron corriendo, they left, theyre gone, they are gone, he left, hes gone, he is
gone, already left, already gone, ya paso, ya paso todo, ya se acabo, ahorita no esta, ahorita no estan, ahorita no
pero, ahora no esta, ahora no estan, ahora no pero, not right now but, not now but, quiet right now, quiet now,
not an emergency, no es emergencia, no es una emergencia, no es urgente, not urgent, hoy no pero, not today but, its
quiet, esta calm, todo esta calm, todo tranquilo, all quiet, esta calmado, esta tranquilo, ya se calmo, ya se
calmaron, its calm now, calm now, calmed down, ya estoy en casa, ya estoy en mi casa, im home now, im home safe,
already home, ahorita ya no esta, ahorita ya no estan, ahora ya no esta, ahora ya no estan, not right now, not now,
ahorita el no esta, ahorita ella no esta, ahora el no esta, ahora ella no esta, ahorita ellos no estan,
walked away, walked off, got up and left, got up and walked, se levanto y se fue, se fue caminando, se fueron caminando,
se lo llevo la ambulancia, se la llevo la ambulancia, ambulance took him, ambulance took her, she got away, he got
away, i got away, we got away, pude escapar, logre escapar, logro escapar, se pudo escapar
""") + WOULD_NOT_CALL
STILL_THERE = frozenset("sigue siguen regresando volviendo regresan regresa regresaran vuelven vuelve volveran".split())
STILL_PHRASES = phrases("""
coming back, is coming, are coming, hes coming, shes coming, theyre coming, is back, are back, hes back, theyre back,
came back, back again,
still there, still here, still outside, still inside, still in, still at, still on, todavia esta, todavia estan,
aun esta, aun estan, still has, todavia tiene
""")
# 911 as something the writer worries about, may or may not do ("afraid to call 911", "can I still call 911", "no
# quiero molestar al 911"): a topic, like a question about it.
TOPIC_911_PHRASES = phrases("""
afraid to call, scared to call, afraid of calling, scared of calling, miedo de llamar, miedo a llamar, miedo de marcar,
safe to call, safe for me to call, safe for her to call, safe for him to call, safe for them to call, seguro llamar,
can i call, can i still call, could i call, should i call, can we call, can she call, can he call, can it call, can
it still call, puedo llamar, puedo marcar, podemos llamar, puede llamar, deberia llamar, debo llamar, still call,
todavia puedo llamar, dont want to call, no quiero llamar, tie up, bother 911, molestar al 911
didnt call, did not call, didnt want to call, never called, no llame, no quise llamar, no he llamado, no
hemos llamado, wasnt an emergency, was not an emergency, not an emergency, no es emergencia, no era emergencia, no
fue emergencia, no es una emergencia, no era una emergencia
""")
# Questions about what the line is for, not a call for help ("is this for emergencies or should I call 911?").
LINE_QUESTION_PHRASES = phrases("""
for emergencies, para emergencia, should i call 911, or call 911, or should i call, o llamo al 911, o marco al
911, tengo que llamar al 911, tengo que marcar al 911, o tengo que llamar, o tengo que marcar, instead of 911, en
vez del 911, en lugar del 911, call 911 instead, llamar al 911 mejor
""")
SELLING = frozenset("vende venden vendiendo vendia vendian bendiendo bende benden sell sells selling sold sale "
                    "vendio vendieron venta hidden stashed escondieron esconden guarda guardan keeps".split())
# A weapon kept somewhere, not in anyone's hand ("tiene armas en la casa"): a report.
STORED_WEAPON = phrases("armas en la casa, armas en su casa, guns in the house, guns at home, guns in his house")
# Animals made to fight, an organised crime to report, not a fight between people happening now.
ANIMAL_FIGHTS = phrases("""
peleas de gallos, pelea de gallos, peleas de perros, pelea de perros, pelean gallos, pelean perros, dog fight, dog
fights, dog fighting, dogfighting, dogfights, cock fight, cock fights, cockfight, cockfights, cockfighting, rooster
fights, rooster fighting
""")
# "estoy bien" / "I'm ok" at the end of the message or of a clause (not "estoy bien asustada").
SAFE_NOW = phrases("estoy bien, estamos bien, a salvo, estoy a salvo, estamos a salvo, im ok, im okay, im fine, im safe, "
                   "we are ok, were ok, were fine, we are fine, were safe, we are safe, i am ok, i am fine, i am safe, "
                   # said of the one who was hurt ("hes ok now they stitched him up", "ya esta bien gracias a dios")
                   "hes ok, hes okay, hes fine, shes ok, shes okay, shes fine, he is ok, he is fine, she is ok, she is "
                   "fine, theyre ok, theyre fine, they are ok, they are fine, ya esta bien, ya estan bien")
SAFE_NOW_NEXT = frozenset("gracias thanks now ahora ahorita ya".split())  # not "pero ...": more may follow
DANGER = frozenset("""
kick kicked shooting shoot stab
shooting shoot shooter shots gunshots gunfire disparando disparan disparos balazos balacera baleando tiroteo
gun guns pistol pistola pistolas arma armas armado armados cuchillo navaja knife machete attacking attack
attacked atacando ataca atacan atacado atacada golpeando pegando beating hitting stabbing apunalando stabbed
shot bleeding sangrando following siguiendo persiguiendo chasing kill killing matar matando kidnapping
secuestrando fire fuego incendio burning quemando forzando fighting peleando balaceando bat bate hiding
escondido escondida tumbando pateando kicking grabbing grabbed agarrando jalando dragging arrastrando followed
chased seguido seguida perseguido perseguida fight pelea pleito pinned staring
""".split())
# Stems of danger words ("tiroteando", "machetazos", "apuñalando").
DANGER_STEMS = tuple("tirote balac machet apunal acuchill shootin stabbin".split())
# Danger that is happening whenever it is mentioned without a past time: "shots fired!!!", "balacera en la 5".
IMMEDIATE = frozenset("""
shots gunshots gunfire disparos balazos balacera tiroteo fire incendio fuego shooter
""".split())
# A weapon in the present tense ("man with a knife at the bus stop") is danger now, except in an answer.
WEAPONS = frozenset("gun guns pistol pistola pistolas arma armas cuchillo navaja knife machete rifle".split())
PRESENT = frozenset("""
now ahora ahorita ya rn currently right here aqui outside afuera inside adentro is are im am being been just
acaban acaba quiere quieren trying tratando still sigue siguen todavia hurry apurense apurate rapido quick
fast pronto estan esta estoy estamos hay tiene tienen has have got tengo
""".split())
PAST = frozenset("""
last ago yesterday ayer pasado pasada pasados anoche antier anteayer was were had did happened used earlier
before antes tenia tenian fue fueron hace semana week month mes year ano years anos meses weeks semanas paso
pasaron era eran estaba estaban keep keeps kept always siempre every cada often usually seguido diario daily
nightly sometimes aveces lunes martes miercoles jueves viernes sabado domingo monday tuesday wednesday thursday
friday saturday sunday weekend finde veces times january february march april june july august september
october november december enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
""".split())
REPORT_WORDS = frozenset("""
report reporting reportar reporte reportarlo denunciar denuncia denunciarlo tip tips witness testigo crime
crimen delito delitos
""".split())
CRIME_WORDS = frozenset("""
robbed rob robbing robbery robberies robo robos robaron robo robando robar robado robada robados asaltaron
asalto asaltan asaltando asaltado assault assaulted attacked atacaron golpearon golpeo golpe golpes pegaron
quebrando quebraron quebro rompieron rompiendo smashed smashing hit pega pegan pego pegando beat beaten stole
stolen steal stealing theft thief thieves ladron ladrones broke burglary burglar metieron entraron threatened
threatening threat threats amenazaron amenaza amenazas amenazando extortion extorsion extorsionan
extorsionando drugs drogas dealing vendiendo selling stabbed apunalaron acuchillaron shot balearon disparo
dispararon wallet cartera took quitaron scam scammed estafa estafaron fraud fraude abuse abuso abusando
violencia violence harassment harassing acoso acosando rape violacion violaron kidnapped secuestraron
secuestro mugged carjacked vandalism vandalismo grafiti graffiti gang gangs pandilla pandillas mara cholos
drug fight pelea peleando hits
""".split())
CRIME_PHRASES = phrases("""
broke into, breaking into, break into, se metieron, took my, me quitaron, se llevaron, me robaron, nos
robaron, le robaron, me asaltaron, nos asaltaron, me pegaron, le pegaron, me golpearon, le golpearon, me
quito, le quito, nos quito, in my name, a mi nombre, credit cards, tarjetas de credito, la tarjeta, to minors,
a menores, a los menores, underage, cobran cuota, cobran renta, cobrando cuota, cobrando renta, charging rent,
to kids, a los ninos, gift cards, tarjetas de regalo, pidiendo plata, pidiendo dinero, hasnt paid, havent
paid, not paid us, no nos paga, no nos pagan, no me paga, no me pagan, a la fuerza, by force, weird messages,
watching the kids, va a matar, will kill, threatened to kill, amenazo con, call immigration on, call ice on,
llamar a la migra, hablar a la migra, le habla a la migra, if we dont pay, if i dont pay, si no pagamos, si no
pago, si no le pago, si no le pagamos, pretending to be, pretends to be, posing as, se hace pasar, se hacen pasar,
haciendose pasar, saca dinero, le saca el dinero, les saca dinero, sacarle dinero, piden dinero, asking for money,
asks for money, pidieron dinero, me pidieron dinero, sacando dinero, sacan dinero, taking money, charging people, les cobra, le cobra, cobrandole, fake lawyer, abogado falso, notario
falso, fake notary
""")
REQUEST_PHRASES = phrases("""
give a tip, dar informacion, quiero reportar, quiero denunciar, want to report, i want to report, report a
crime, reportar un crimen, reportar un delito, hacer una denuncia, poner una denuncia, i know who, se quien,
yo se quien, i saw, yo vi, vi a, information about, info about, informacion de, informacion sobre, tengo
informacion, i have information, i have info, se algo, i know something, break in, broke in, breakin, i know
where, se donde, yo se donde, sabemos donde, we know where, i have him on camera, lo tengo grabado, tengo video
""")
# Stems of words that describe a crime ("robaron", "robbery", "amenazaba", "extorting" ...).
CRIME_STEMS = tuple("""
robb roba robe asalt assault golpe golpi beat stol steal theft thief ladron burglar extor threat amenaz
secuestr kidnap estaf scam fraud stab apunal acuchill balace dispar shot shoot mug carjack vandal harass acos
abus violen rape violar drog drug dealer meth cristal crack cocain fentan heroin mota narco pandill gang pills
pastillas snatch arranc hackea hacke slash keyed graffiti tagging jodieron sacaron cuota notario hurt lastim
lesion hits hitting pegandol golpeandol touch toca tocand manose smash quebr rompi romp clon queman quemar
identity stalk acech vandaliz trap
""".split())
IMMIGRATION_WORDS = frozenset("""
immigration inmigracion migracion migratorio migratoria immigrant inmigrante inmigrantes status estatus papers
papeles documents documentos indocumentado indocumentada indocumentados undocumented deport deported deportar
deporten deportado deportada deportan deportation deportacion deportaran deportarme deportarian ice migra
ilegales illegals illegally ilegalmente visa greencard residencia residente citizen citizenship ciudadano ciudadania
asylum asilo daca ssn tps permit renewal renovacion residency homeland dhs uscis cbp matricula pasaporte
passport
""".split())
IMMIGRATION_PHRASES = phrases("""
green card, la migra, sacar del pais, sacarme del pais, sacan del pais, echar del pais, echarme del pais, kick me
out of the country, no soy legal, im not legal, not legal, no tengo papeles, dont have papers, sin papeles,
no papers, social security, seguro social, without papers, where i was born, donde naci, my country, mi pais,
de mi pais, send me back, me regresen, me manden para mi pais, me manden a mi pais, si soy legal, soy legal, am
i legal, legal status, shes illegal, hes illegal, she is illegal, he is illegal, theyre illegal, they are
illegal, work permit, permiso de trabajo, no tengo permiso de, permiso para trabajar, parole, humanitarian parole, parole
humanitario, refugee, refugiado, im illegal, i am illegal, soy ilegal, somos ilegales, estoy ilegal, estamos
ilegal, being illegal, illegal immigrant, inmigrante ilegal, if im illegal, si soy ilegal, were illegal, we are
illegal, where im from, where i am from, where i come from, de donde soy, de donde vengo, nationality,
nacionalidad, my accent, mi acento, homeland security, border patrol, la patrulla fronteriza, matricula
consular, show id, show my id, show an id, mostrar identificacion, ensenar identificacion, piden identificacion, pedir
identificacion, ask for my id, asks for my id, ask for id, ask for my papers
""")
# The question words and modals that make a message a question about consequences.
QUESTION_WORDS = frozenset("""
will would can could do does did is are should may might if whether pueden puede puedo van va voy si
preguntan pregunta preguntaran what how which que como cual cuales
""".split())
# A bare plea ("help", "AYUDA POR FAVOR"): a cry or the HELP keyword, nobody can tell; the line answers both, the
# 911 guidance first (the labelled sets' writers split: 20 such messages labelled emergency, 9 help).
PLEA_WHOLE = phrases("""
help, ayuda, i need help, need help, necesito ayuda, ocupo ayuda, ayuda porfavor, ayudame porfavor, ayudenme porfavor
""")
HELP_WHOLE = phrases("""
help, info, information, ayuda, informacion, menu, instructions, instrucciones, que es esto, what is this, how
does this work, como funciona, como funciona esto, what, que, huh, como, me pueden ayudar, me puede ayudar,
pueden ayudarme, puede ayudarme, can you help me, can someone help me
""")
# How-to questions about the line itself: they ask for help even when they mention reporting.
HELP_HOWTO = phrases("""
how does this work, how does it work, how do i, how can i, how to, como funciona, como se usa, como hago, como
le hago, como puedo, como mandar, como reporto, como hacer, como usar, how to use, what kind of, que tipo de, que cosas, what can i
report, que puedo reportar, que se puede reportar, send pictures, send photos, send a picture, send a photo,
mandar fotos, mandar una foto, mandar videos, mandar un video, cost money, cuesta dinero, how much does it
cost to, cuanto cuesta mandar, les mando, send a video, send video, mandar un audio, send audio, what happens
after, que pasa despues, what time do you, a que hora atienden, business hours, are you open, open on
weekends, horario de atencion
""")
HELP_PHRASES = phrases("""
sees my number, save these messages, guardan los mensajes, go to court, ir a la corte, reward, recompensa,
cobran por mensaje, mandar audio, puedo llamar, tambien puedo, otro pais, another country,
how does this work, how does it work, how this works, how do i use, what is this service, what is this line,
what do you do, what can i do here, como funciona, como se usa, para que sirve, que hacen, que es esto, que es
esta linea, que es este servicio, help me understand, explain, explicame, expliquen, necesito ayuda con, what
happens with, que pasa con mi informacion, is this anonymous, es anonimo, privacy, privacidad, my phone
number, mi numero de telefono, ven mi numero, know my number, see my number, cobran los mensajes, charge for,
someone call me, alguien me llama, me van a llamar, this number for, este numero para, what is this for, is
this for, dont understand, no entiendo, explicar, my name, mi nombre, anonymous, anonimo, anonima, free to
text, is this free, es gratis, does this cost, does it cost, cuesta algo, tiene costo, me cobran por, how do
i, how can i, como hago, como le hago, como puedo, what can i report, what kind of things, que cosas puedo,
que puedo reportar, what do i do, que hago
""")
GREET_WORDS = frozenset("""
hello hi hey hiya howdy yo hola ola holi holis buenas buenos buen dia dias tardes noches morning afternoon
evening saludos sup whats wassup greetings oye oiga disculpe alo alo hellooo heyy helo hellow hallo klk quiubo
quiubole wepa
""".split())
GREET_PHRASES = phrases("""
who is this, who is it, quien es, quien habla, quien eres, is anyone there, anybody there, hay alguien, gave
me this number, me pasaron este numero, me dieron este numero, me pasaron tu numero, got this number, me paso
este numero, me dio este numero, este numero en, this number on, this number from, saw this number, saque el
numero, saque este numero, got the number, the number from, el numero de un, quien me escribe, who is texting,
who texted me, vi este numero, found this number, encontre este numero, who this, que onda, bueno, que onda,
whats up, que tal, como estas, como esta, good morning, good afternoon, good evening, buenos dias, buenas
tardes, buenas noches, who am i texting, who am i talking to, con quien hablo, a quien le escribo, que lo
que, que lo que, que hubo, told me to text, told me to write, told me to message, said to text, me dijo que
escribiera, me dijeron que escribiera, me dijo que les escribiera, me dijeron que les escribiera, me dijo que
mandara, me recomendo, me recomendaron, recommended this, told me about this, me hablaron de este
""")
# A short opening that only introduces the writer or checks who answers ("Hi my name is Rosa", "is this the police
# tip line?"): a greeting, even though it names a report or a name.
INTRODUCTION_PHRASES = phrases("""
my name is, mi nombre es, me llamo, is this the police, is this the tip line, is this the police tip line, is this
the right number, is this linea segura, es la linea de la policia, es la policia, es esta la linea, es este el
numero de la policia, es el numero correcto, this is the police line, es la linea de denuncias
""")
# Resolve shown after a fear: "me dijeron que me iban a deportar pero igual quiero denunciar".
DETERMINED_PHRASES = phrases("""
pero igual, igual quiero, de todos modos, de todas formas, aun asi, still want to report, i still want, anyway i
want, want to report anyway, report anyway, quiero denunciar igual, quiero reportar igual
""")
# Whole messages that only acknowledge, thank or say goodbye ("esta bien", "ok gracias", "nvm"): other.
# ... or that only put the conversation off or close it ("ok nos vemos", "ya se arreglo", "ill text later").
# "no se", "idk": a whole message that only says the writer does not know (an answer, mostly); nothing to alarm about.
DONT_KNOW_WHOLE = phrases("""
no se, no lo se, no se nada, i dont know, dont know, idk, dunno, no idea, ni idea, no estoy seguro, no estoy segura,
not sure, im not sure, no me acuerdo, no recuerdo, i dont remember, dont remember
""")
ACK_PHRASES = phrases("""
nos vemos, ya no importa, no importa, ya se arreglo, se arreglo, forget it, never mind, olvidalo, ttyl, talk
later, text later, text you later, te escribo luego, luego te escribo, les escribo luego, hasta luego, see you,
see ya, about to die, se me acaba la bateria, se me va a apagar, sin bateria, bueno adios, bueno bye, bueno
gracias
""")
# An advertisement at the start of a message ("vendo tamales", "se renta cuarto"): not a report.
FOR_SALE = phrases("""
vendo, se vende, se venden, se renta, se rentan, rento, for sale, selling my, busco trabajo, looking for work,
hago limpiezas, hago trabajos, ofrezco
""")
# "not an emergency but ...": an urgency word that is denied.
NOT_URGENT = phrases("""
not an emergency, not a emergency, no es emergencia, no es una emergencia, not urgent, no es urgente, non
emergency, nothing urgent, nada urgente
""")
ACK_WORDS = frozenset("""
ok okay k kk vale gracias thanks thank you ty esta ta bien perfecto perfect cool great good nice alright sure
claro entendido understood got it bye adios chao ciao nvm nevermind never mind np de nada lol jaja jajaja haha
sorry perdon muchas many much mil thx pls porfa igualmente same to u you too oki okey va sale orale bendiciones
dios lo bendiga bless god oficial officer senor senora sir maam amable
""".split())

# Common words one letter away from a word the rules know, which they must not be read as ("tirado" is lying on the
# ground, not "tirador"; "staying" is not "stabbing", "Home Depot" not "deport", "pararon" not "pasaron").
NOT_MISSPELLINGS = frozenset("""
tirado tirada tirados tiradas staying depot alot posting carretera waking dinner pararon llegaron pagaron testing
changing balacear llegando vias venido ofrecio recommend smokey cortez
""".split())
# Words that say which language a message is in (a word both languages use is in neither).
SPANISH_WORDS = frozenset("""
hola ola buenas buenos buen dias tardes noches que quien quienes como cuando donde porque por para pero es
esta estan estoy soy eres somos fue tengo tiene tienen tenemos quiero quiere puedo puede pueden necesito ayuda
gracias favor senor senora usted ustedes nosotros ellos ella el la los las un una unos unas del al mi mis su
sus tu yo te se le nos muy mas menos tambien ahora ahorita aqui alli alla hay algo nada nadie alguien pues
bueno vale numero mensaje mensajes policia policias papeles documentos migra inmigracion deportar robo robaron
asaltaron golpearon carro casa calle trabajo semana pasada ayer hoy manana noche dinero miedo hablo habla
espanol denunciar reportar informacion crimen delito paso pasaron dar mandan manden parada camion hombre mujer
pistola arma disparando atacando urgente necesita pasa onda oiga disculpe perdon entiendo funciona esto este
eso ese cual cuanto llamar llamo llamen estamos vamos hermano hermana amigo amiga companero iglesia gente
persona personas sabe saben seguro segura ilegal parar alto dejen escriban envien emergencia auxilio socorro
ayudame ayudenme siguiendo cartera troca chota wey orale andale neta chido mande ustedes tengan tenia tenian
estaba estaban mismo puerta afuera adentro vecino vecina vecinos hijo hija esposo esposa trabajo jefe jaja
jajaja porfa porfis cancelar comadre compadre chamba lista sacame quitame nombre gratis pegado pegada pegados
pegadas papel tienda holi holis
""".split())
ENGLISH_WORDS = frozenset("""
hello hi hey hiya good morning afternoon evening what whats who where when why how is are was were am i im you
your we they he she it its the an this that these those there here my me our their have has had do does did
dont can cant could will would want need help please thanks thank sir anyone someone somebody report crime tip
police cops call called immigration status papers deported deport ice illegal scared afraid robbed robbery
attacked broke into car house street work week last yesterday today tonight money english speak understand
service line number gave stop texting know knows people man woman gun shooting outside door right now up with
about not of and or to from for in on at by be been being get got give info emergency stole wallet phone took
following kill neighbor boss wife husband son daughter friend guy guys just like yeah pls because said says
told tell if then than them him her his hers they their theres thats dont doesnt didnt wont cancel lol lmao
omg wtf thanks bro fam dude anymore these those take takes taking took talk talking walk walking looking
watching waiting working living parking making saying going coming doing open front alone baby texts testing
nvm idk tbh omw brb gonna wanna gotta yall hbu wyd
""".split())
SHARED_WORDS = frozenset({"no", "a", "me", "ok", "okay", "si", "info", "taxi", "legal", "yo", "ice", "hey", "mi",
                     "son", "van", "era", "pastor", "hi"})
SPANISH_ONLY = SPANISH_WORDS - ENGLISH_WORDS - SHARED_WORDS
ENGLISH_ONLY = ENGLISH_WORDS - SPANISH_WORDS - SHARED_WORDS
SHORT_WORD_LANGUAGE = {"yo": "en", "hi": "en", "hey": "en", "ola": "es", "ice": "en"}  # short words with a home
# A message made only of these says nothing about its writer's language ("ok", "k"): answered in both.
NO_LANGUAGE_WORDS = frozenset("ok okay okey oki k kk".split())
# Emoji that only acknowledge (a thumbs up, thanks, a heart), with their skin tones and presentation selector.
ACK_EMOJI = frozenset("\U0001F44D\U0001F64F\u2764\U0001F44C\U0001F60A\U0001F642\u2705\U0001F44F\U0001F499\U0001F49A"
                      "\U0001F3FB\U0001F3FC\U0001F3FD\U0001F3FE\U0001F3FF\uFE0F\u263A")
# The kinds of street that follow a street's name ("Shooters Lane", "Shooters Ln") or, in Spanish, come before it
# ("calle Troost"): a local street written with one of them is also recognised with any other.
STREET_TYPES = frozenset("street st avenue ave av avenida calle road rd lane ln drive dr boulevard blvd bulevar way "
                         "parkway pkwy place pl court ct terrace ter highway hwy carretera camino".split())
STREET_TYPES_FIRST = frozenset("calle avenida av camino carretera bulevar".split())
