package demo

// regionCities lists, per region code, the cities where the demo opens
// cinemas and how many cinemas the region gets at any scale (about 112 in
// all, like Kazakhstan's market).
var regionCities = []struct {
	code    string
	cinemas int
	cities  []string
}{
	{"KZ-75", 22, []string{"Almaty"}},
	{"KZ-71", 16, []string{"Astana"}},
	{"KZ-79", 9, []string{"Shymkent"}},
	{"KZ-35", 7, []string{"Karaganda", "Temirtau", "Balkhash"}},
	{"KZ-63", 5, []string{"Oskemen", "Ridder"}},
	{"KZ-55", 5, []string{"Pavlodar", "Ekibastuz"}},
	{"KZ-15", 5, []string{"Aktobe"}},
	{"KZ-23", 5, []string{"Atyrau"}},
	{"KZ-47", 4, []string{"Aktau", "Zhanaozen"}},
	{"KZ-31", 4, []string{"Taraz"}},
	{"KZ-39", 4, []string{"Kostanay", "Rudny"}},
	{"KZ-27", 4, []string{"Oral"}},
	{"KZ-61", 4, []string{"Turkistan", "Kentau"}},
	{"KZ-43", 3, []string{"Kyzylorda"}},
	{"KZ-10", 3, []string{"Semey"}},
	{"KZ-19", 3, []string{"Konaev", "Talgar"}},
	{"KZ-11", 3, []string{"Kokshetau"}},
	{"KZ-59", 3, []string{"Petropavl"}},
	{"KZ-33", 2, []string{"Taldykorgan"}},
	{"KZ-62", 1, []string{"Zhezkazgan"}},
}

// chains are multi-cinema exhibitors (fictional names); cinemas in the big
// cities mostly belong to them, the rest to single-cinema exhibitors.
var chains = []string{"Dala Cinema Group", "Arman Kino", "Saryarka Film Centre", "Nur Kinoplex", "Caspian Screens"}

// localCinemaNames name single-cinema exhibitors' cinemas.
var localCinemaNames = []string{
	"Kinoteatr Ray", "Tulpar", "Zhuldyz", "Arai", "Samal", "Kyzyl Tan", "Shugyla", "Baiterek", "Altyn Dala",
	"Kosmos", "Otrar", "Aksunkar", "Berkut", "Tumar", "Nurly", "Kerbez", "Sary-Arka", "Asem", "Marzhan", "Dostyk",
}

// Distributors and producers (fictional, plus the national studio).
var distributorNames = []string{"Steppe Distribution", "Eurasia Film Distribution", "Caspian Pictures", "Altyn Screen Releasing", "Tengri Films"}
var producerNames = []string{
	"Kazakhfilm", "Qazaq Story Pictures", "Almaty Film Company", "Sary Studio", "Aitys Media", "Nomad Frame",
	"Qos Production", "Zhibek Zholy Films", "Astana Motion", "Baiqonyr Pictures",
}
var foreignProducerNames = []string{"Global Tentpole Studios", "Northern Lights Pictures", "Silk Road Entertainment", "Moscow Screen House", "Seoul Wave Films"}
var rightsHolderNames = []string{
	"Aigerim Nurlanova (composer)", "Erlan Sadykov (screenwriter)", "Dana Kairatova (composer)",
	"Timur Bekov (screenwriter)", "Saule Omarova (director)", "Kazakh Authors' Society",
}

// title is a film title in Kazakh, Russian and English.
type title struct{ kk, ru, en string }

var nationalTitles = []title{
	{"Дала жүрегі", "Сердце степи", "Heart of the Steppe"},
	{"Алтын Орда", "Золотая Орда", "The Golden Horde"},
	{"Қыз Жібек қайта оралды", "Кыз Жибек возвращается", "Kyz Zhibek Returns"},
	{"Бауырым", "Братишка", "Little Brother"},
	{"Тұмар патшайым", "Царица Томирис: Наследие", "Queen Tomyris: Legacy"},
	{"Ауылдан келген жігіт", "Парень из аула", "The Boy from the Aul"},
	{"Қазақ елі", "Казахская земля", "Land of the Kazakhs"},
	{"Алматыда махаббат", "Любовь в Алматы", "Love in Almaty"},
	{"Көкпар", "Кокпар", "Kokpar"},
	{"Біржан сал", "Биржан сал", "Birzhan Sal"},
	{"Жеті қазына", "Семь сокровищ", "Seven Treasures"},
	{"Той болады", "Будет свадьба", "There Will Be a Wedding"},
	{"Тәтті өмір", "Сладкая жизнь", "Sweet Life"},
	{"Соңғы аялдама", "Последняя остановка", "The Last Stop"},
	{"Ұлы дала елі", "Страна Великой степи", "Country of the Great Steppe"},
	{"Қайсар", "Кайсар", "Kaisar"},
	{"Менің атым Қожа: жаңа ғасыр", "Меня зовут Кожа: новый век", "My Name Is Kozha: A New Century"},
	{"Шекарашы", "Пограничник", "The Border Guard"},
	{"Таң шапағы", "Рассвет", "Daybreak"},
	{"Ақсақалдар кеңесі", "Совет аксакалов", "The Elders' Council"},
	{"Қара шаңырақ", "Отчий дом", "The Family Home"},
	{"Қайын ене", "Свекровь", "Mother-in-Law"},
	{"Жолдағы достар", "Друзья в дороге", "Friends on the Road"},
	{"Балқаш", "Балхаш", "Balkhash"},
	{"Тараз шежіресі", "Хроники Тараза", "Chronicles of Taraz"},
	{"Бәйге", "Байга", "The Horse Race"},
	{"Астана: түнгі қала", "Астана: ночной город", "Astana After Dark"},
	{"Жұлдызды сәт", "Звёздный час", "Finest Hour"},
	{"Наурыз", "Наурыз", "Nauryz"},
	{"Шал мен теңіз", "Старик и степь", "The Old Man and the Steppe"},
	{"Менің әкем", "Мой отец", "My Father"},
	{"Арман қаласы", "Город мечты", "City of Dreams"},
	{"Қорқыт", "Коркыт", "Korkyt"},
	{"Екі жүрек", "Два сердца", "Two Hearts"},
	{"Ботагөз", "Ботагоз", "Botagoz"},
	{"Қайтып оралу", "Возвращение", "The Return"},
	{"Батыр", "Батыр", "Batyr"},
	{"Күлпәш", "Кульпаш", "Kulpash"},
	{"Ерлер не қалайды", "Чего хотят мужчины", "What Men Want"},
	{"Бір түнгі ертегі", "Сказка одной ночи", "One Night's Tale"},
}

var coproductionTitles = []title{
	{"Жібек жолы", "Шёлковый путь", "The Silk Road"},
	{"Алтай аңызы", "Легенда Алтая", "Legend of Altai"},
	{"Ұлы көш", "Великое кочевье", "The Great Migration"},
	{"Каспий құпиясы", "Тайна Каспия", "Secret of the Caspian"},
	{"Тянь-Шань барысы", "Барс Тянь-Шаня", "Snow Leopard of Tien Shan"},
	{"Самарқанд жолы", "Дорога на Самарканд", "Road to Samarkand"},
	{"Аралдың ұлдары", "Сыновья Арала", "Sons of the Aral"},
	{"Достық көпірі", "Мост дружбы", "Bridge of Friendship"},
	{"Ұшқыштар", "Лётчики", "The Pilots"},
	{"Ғарыш айлағы", "Космодром", "Cosmodrome"},
}

var foreignTitles = []title{
	{"Жұлдыздар соғысы: жаңа дәуір", "Звёздная хроника: новая эра", "Star Chronicle: A New Era"},
	{"Мұзды патшалық 3", "Ледяное королевство 3", "The Ice Kingdom 3"},
	{"Жылдам әрі ашулы", "Быстрые и яростные: финал", "Fast Fury: The Finale"},
	{"Түнгі күзетші", "Ночной страж", "The Night Watchman"},
	{"Айдаһарлар мекені", "Обитель драконов", "Home of Dragons"},
	{"Құпия агент", "Секретный агент", "The Secret Agent"},
	{"Теңіз түбінде", "На дне океана", "Deep Blue Below"},
	{"Супергерой: соңғы шайқас", "Супергерой: последняя битва", "Superhero: The Last Battle"},
	{"Жоғалған қала", "Затерянный город", "The Lost City"},
	{"Ғарыштық саяхат", "Космическое путешествие", "Space Voyage"},
	{"Кішкентай роботтар", "Маленькие роботы", "Little Robots"},
	{"Үрейлі үй", "Дом страха", "House of Fear"},
	{"Мысықтар мен иттер", "Кошки против собак", "Cats vs Dogs"},
	{"Ұлы тонау", "Великое ограбление", "The Great Heist"},
	{"Соңғы патша", "Последний король", "The Last King"},
	{"Динозаврлар әлемі", "Мир динозавров", "Dinosaur World"},
	{"Махаббат туралы", "О любви", "About Love"},
	{"Қарлы тау", "Снежная гора", "Snow Mountain"},
	{"Сиқыршылар мектебі", "Школа волшебников", "School of Wizards"},
	{"Қара мысық", "Чёрный кот", "The Black Cat"},
	{"Мұхит аралы", "Остров в океане", "Ocean Island"},
	{"Жасырын жау", "Скрытый враг", "Hidden Enemy"},
	{"Пингвиндер сапары", "Путешествие пингвинов", "Penguins on the Move"},
	{"Көрінбейтін адам", "Человек-невидимка", "The Invisible One"},
	{"Алып маймыл", "Гигантская обезьяна", "Giant Ape"},
	{"Түн жарығы", "Ночной свет", "Night Light"},
	{"Уақыт машинасы", "Машина времени", "The Time Machine"},
	{"Ханшайым мен айдаһар", "Принцесса и дракон", "The Princess and the Dragon"},
	{"Орман құпиясы", "Тайна леса", "Secret of the Forest"},
	{"Жарқын болашақ", "Светлое будущее", "Bright Future"},
	{"Полярлық түн", "Полярная ночь", "Polar Night"},
	{"Жасыл планета", "Зелёная планета", "Green Planet"},
	{"Шөл дауылы", "Буря в пустыне", "Desert Storm"},
	{"Құстар әні", "Песня птиц", "Birdsong"},
	{"Қызыл желкен", "Алые паруса", "Scarlet Sails"},
	{"Соңғы миссия", "Последняя миссия", "The Final Mission"},
	{"Қалалық аңыздар", "Городские легенды", "Urban Legends"},
	{"Алтын кілт", "Золотой ключик", "The Golden Key"},
	{"Тасқын", "Наводнение", "The Flood"},
	{"Аю мен қыз", "Маша и медведь: кино", "The Girl and the Bear"},
}

var foreignCountries = [][]string{{"US"}, {"US"}, {"US"}, {"RU"}, {"RU"}, {"KR"}, {"FR"}, {"GB", "US"}, {"CN"}, {"TR"}, {"JP"}}
var coproductionCountries = [][]string{{"KZ", "RU"}, {"KZ", "KG"}, {"KZ", "UZ"}, {"KZ", "FR"}, {"KZ", "CN"}, {"KZ", "TR"}}
