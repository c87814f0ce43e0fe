"""Demo content for Coachhouse: the coach's articles and her free course."""

AUTHOR = "Nora Whitfield"

ARTICLES = [
    {
        "title": "Networking Isn't an Event. It's a Habit.",
        "slug": "networking-is-a-habit",
        "summary": (
            "The best career opportunities rarely come from a room full of name tags. "
            "They come from small, curious conversations you have every single week."
        ),
        "days_ago": 4,
        "body": [
            {
                "type": "rich_text",
                "value": (
                    "<p>Last spring a client of mine, Daniel, was four months into a "
                    "job search that was going nowhere. He was a logistics planner who "
                    "wanted to move into operations for a healthcare company, and he "
                    "had sent out more than sixty applications. Two phone screens. "
                    "Zero interviews.</p>"
                    "<p>Every Saturday morning he stood on the sideline of his "
                    "daughter's soccer game next to the same handful of parents. For "
                    "weeks he talked about the weather and the referee. Then one "
                    "morning, after a little nudging from me, he asked the dad beside "
                    "him a simple question: “What do you actually spend your week "
                    "doing?”</p>"
                    "<p>The man ran patient scheduling for a regional hospital "
                    "network, and his team was drowning in exactly the kind of problem "
                    "Daniel solved for a living. Six weeks later Daniel had an offer "
                    "for a job that was never posted publicly.</p>"
                    "<p>He didn't attend a single mixer. He just stopped treating the "
                    "people around him as background noise. That, to me, is what "
                    "networking really is: not an event you dread, but a habit you "
                    "practice.</p>"
                    "<h2>Curiosity beats charisma</h2>"
                    "<p>You don't need to be outgoing to be good at this. Some of the "
                    "strongest networkers I've coached are introverts, because they "
                    "listen. What matters is genuine curiosity about other people's "
                    "work and lives.</p>"
                    "<p>Try swapping the flat “So, what do you do?” for questions that "
                    "invite a story:</p>"
                    "<ul><li>“What's keeping you busy these days?”</li>"
                    "<li>“How did you end up in that line of work?”</li>"
                    "<li>“What's the best part of your job right now, and the "
                    "hardest?”</li></ul>"
                    "<p>People light up when someone is truly interested in them. And "
                    "they remember who made them feel that way long after they've "
                    "forgotten your job title.</p>"
                ),
            },
            {
                "type": "tip",
                "value": {
                    "title": "Coach's tip",
                    "text": (
                        "<p>Set yourself a tiny goal: one real conversation a week "
                        "with someone outside your usual circle. No pitch, no ask, "
                        "just curiosity. Small and steady beats big and occasional "
                        "every time.</p>"
                    ),
                },
            },
            {
                "type": "rich_text",
                "value": (
                    "<h2>Give first, and keep giving</h2>"
                    "<p>The fastest way to build a network is to be useful to it. "
                    "Forward the article you know a former colleague would love. "
                    "Introduce two people who should know each other. Write the "
                    "LinkedIn recommendation before anyone asks. Cheer for other "
                    "people's wins out loud.</p>"
                    "<p>None of this takes long, and all of it gets noticed. When the "
                    "day comes that you need help, you won't be a stranger asking for "
                    "a favor. You'll be the person who has been quietly showing up for "
                    "everyone else.</p>"
                    "<p>I keep a note on my phone titled “Who can I help this week?” "
                    "Some weeks it has one name on it. Some weeks it has ten. It's the "
                    "most valuable list I own.</p>"
                    "<h2>Follow up like you mean it</h2>"
                    "<p>A lovely conversation that ends with “we should grab coffee "
                    "sometime” and then nothing is just a pleasant memory. Follow up "
                    "within two days. Mention something specific they said. If you "
                    "promised to send a book title or an introduction, send it.</p>"
                    "<p>Then stay in touch lightly: a short note every few months, a "
                    "comment on something they've shared, a heads-up about an "
                    "opportunity that fits them. Relationships are built in those "
                    "small moments between the big ones.</p>"
                ),
            },
            {
                "type": "quote",
                "value": {
                    "quote": (
                        "Your network isn't everyone you've met. It's everyone who "
                        "would happily take your call."
                    ),
                    "attribution": "Nora Whitfield",
                },
            },
            {
                "type": "rich_text",
                "value": (
                    "<h2>Start where you already are</h2>"
                    "<p>You don't need a new wardrobe, a new city or a pricey "
                    "conference ticket. Look at where you already spend your time: the "
                    "school pickup line, the dog park, your running club, your "
                    "volunteer shift, the group chat from an old job. Every one of "
                    "those places is full of people with jobs, employers, friends and "
                    "ideas.</p>"
                    "<p>Start there. Ask one more question than you normally would. "
                    "Listen properly to the answer. Follow up.</p>"
                    "<p>Do that for three months and I promise you'll have more leads "
                    "than you know what to do with. Do it for three years and the next "
                    "opportunity will often find you before you even start looking.</p>"
                ),
            },
        ],
    },
    {
        "title": "The 20-Minute Conversation That Beats 100 Applications",
        "slug": "informational-interviews-that-work",
        "summary": (
            "Informational interviews are the most underused tool in any job search. "
            "Here's how to ask for one, what to ask, and how to turn it into a real "
            "relationship."
        ),
        "days_ago": 17,
        "body": [
            {
                "type": "rich_text",
                "value": (
                    "<p>If I could get every job seeker to change just one thing, it "
                    "would be this: stop spending your best hours on applications and "
                    "start spending them on conversations with people who already do "
                    "the job you want.</p>"
                    "<p>We call these informational interviews. The name is a bit "
                    "stiff, so I prefer to think of them as curious conversations. "
                    "Twenty minutes, one person, one goal: to learn.</p>"
                    "<h2>Why they work</h2>"
                    "<p>An informational interview gives you three things a job "
                    "posting never will. First, the truth about the work, including "
                    "the parts nobody puts in a job description. Second, the language "
                    "insiders use, which you'll need for your CV and your interviews. "
                    "Third, a person inside the field who now knows your name and your "
                    "face.</p>"
                    "<p>My client Priya was a high school science teacher who wanted "
                    "to move into instructional design. She felt like an outsider and "
                    "was sure nobody would want to talk to her. Over two months she "
                    "had nine of these conversations. By the fourth, she was using the "
                    "vocabulary of the field without thinking. By the seventh, someone "
                    "offered to pass her portfolio to a hiring manager. She started "
                    "her new role that autumn.</p>"
                    "<h2>How to ask</h2>"
                    "<p>Keep your request short, specific and easy to say yes to. "
                    "Something like:</p>"
                    "<p><em>“Hi Sam, I'm a high school teacher exploring a move into "
                    "instructional design, and your post about onboarding programs "
                    "really stuck with me. Would you be open to a 20-minute call in "
                    "the next couple of weeks? I'd love to hear how you got into the "
                    "field. I'm not asking about jobs, just hoping to learn from your "
                    "experience.”</em></p>"
                    "<p>Say how you found them, say exactly how much time you need, "
                    "and make it clear you won't ambush them with a job request. A "
                    "warm introduction through a mutual contact works even better, so "
                    "always check who you already know first.</p>"
                ),
            },
            {
                "type": "tip",
                "value": {
                    "title": "Coach's tip",
                    "text": (
                        "<p>No reply? Send one polite follow-up a week later. After "
                        "that, let it go and move on to the next person. Silence is "
                        "almost never personal; people are simply busy.</p>"
                    ),
                },
            },
            {
                "type": "rich_text",
                "value": (
                    "<h2>What to ask</h2>"
                    "<p>Bring five or six questions, and be ready to drop them if the "
                    "conversation takes a better turn. A few of my favorites:</p>"
                    "<ul><li>“What does a typical week actually look like for "
                    "you?”</li><li>“What do people misunderstand about this work?”</li>"
                    "<li>“Which skills matter most for someone starting out in this "
                    "role?”</li>"
                    "<li>“If you were in my shoes, what would you do next?”</li>"
                    "<li>“Who else do you think I should talk to?”</li></ul>"
                    "<p>That last question is the most important one you'll ask. It "
                    "turns one conversation into three, and it's how a network grows "
                    "from almost nothing.</p>"
                    "<h2>Respect the clock</h2>"
                    "<p>If you asked for twenty minutes, keep an eye on the time. When "
                    "you reach the mark, say so: “I want to respect your time, so I'll "
                    "wrap up here.” More often than not, they'll offer to keep going. "
                    "Either way, you've shown you keep your word, which is exactly the "
                    "impression you want to leave behind.</p>"
                ),
            },
            {
                "type": "quote",
                "value": {
                    "quote": (
                        "I went in hoping for a bit of advice. I came out with three "
                        "new names and a reason to keep going."
                    ),
                    "attribution": "Priya, former client",
                },
            },
            {
                "type": "rich_text",
                "value": (
                    "<h2>Follow up, then follow through</h2>"
                    "<p>Send a thank-you note the same day. Make it specific: name one "
                    "piece of advice you're going to act on. Then, a few weeks later, "
                    "write again to tell them what happened when you did. That second "
                    "note is the one people remember, because almost nobody sends "
                    "it.</p>"
                    "<p>You're not collecting contacts. You're building relationships "
                    "with people who, over time, will genuinely want to see you "
                    "succeed.</p>"
                ),
            },
        ],
    },
    {
        "title": "After the Tenth Rejection: How to Rewrite Your Career Story",
        "slug": "rewrite-your-career-story-after-rejection",
        "summary": (
            "A run of rejections can make you doubt everything. Often the problem "
            "isn't you at all, it's the story you're telling. Here's how to rewrite it."
        ),
        "days_ago": 40,
        "body": [
            {
                "type": "rich_text",
                "value": (
                    "<p>There's a particular kind of tired that sets in after the "
                    "tenth “we've decided to move forward with other candidates.” I've "
                    "seen it on hundreds of faces over the years, and I've felt it "
                    "myself. You start to wonder whether something is wrong with "
                    "you.</p>"
                    "<p>Let me say this clearly: nothing is wrong with you. But "
                    "something might be wrong with the story you're telling.</p>"
                    "<h2>Rejection is information, not a verdict</h2>"
                    "<p>When the no's pile up, it's tempting to read each one as a "
                    "judgment of your worth. Try reading them as data instead. Where "
                    "exactly are you getting stuck?</p>"
                    "<ul><li><strong>No responses to applications?</strong> Your CV "
                    "and your targeting probably aren't connecting you to the right "
                    "roles.</li>"
                    "<li><strong>First calls but no second interviews?</strong> Your "
                    "story isn't landing yet.</li>"
                    "<li><strong>Final rounds but no offers?</strong> You're close. "
                    "It's often about showing more enthusiasm and fit, not more "
                    "skill.</li></ul>"
                    "<p>Each stage points to a different fix. Knowing which one you "
                    "need can save you months of doing more of the wrong thing.</p>"
                    "<h2>The apology story</h2>"
                    "<p>A client of mine, Marcus, came to me after nearly forty "
                    "rejections. He had spent eleven years in retail management and "
                    "wanted to move into corporate training. When I asked him to "
                    "introduce himself as if I were an interviewer, he began: “Well, I "
                    "know I don't have a traditional training background, but...”</p>"
                    "<p>He had been opening every interview with an apology. Every "
                    "single one.</p>"
                    "<p>So we dug into what he had actually done. He had trained more "
                    "than two hundred new hires, built an onboarding program that "
                    "three other stores copied, and cut first-year turnover on his "
                    "team nearly in half. He wasn't a store manager hoping to be "
                    "forgiven. He was a trainer who happened to have learned his craft "
                    "on a shop floor.</p>"
                    "<p>Same facts. Completely different story. He had an offer within "
                    "seven weeks.</p>"
                ),
            },
            {
                "type": "quote",
                "value": {
                    "quote": (
                        "I stopped explaining why I might be good enough and started "
                        "describing what I'd already done."
                    ),
                    "attribution": "Marcus, former client",
                },
            },
            {
                "type": "rich_text",
                "value": (
                    "<h2>Write your story in three sentences</h2>"
                    "<p>Here's the exercise I gave Marcus. Write your career story in "
                    "exactly three sentences:</p>"
                    "<ol><li><strong>Where you've been:</strong> the thread running "
                    "through your experience, not a list of job titles.</li>"
                    "<li><strong>What you're great at:</strong> one or two strengths, "
                    "each backed by a concrete result.</li>"
                    "<li><strong>Where you're heading:</strong> the kind of role or "
                    "problem you want next, and why it fits.</li></ol>"
                    "<p>Read it out loud. If it sounds like an excuse, rewrite it. If "
                    "it sounds like someone you'd want to hire, you're getting close. "
                    "Then practice it until it feels like a conversation rather than a "
                    "script.</p>"
                ),
            },
            {
                "type": "tip",
                "value": {
                    "title": "Coach's tip",
                    "text": (
                        "<p>Ask two people who have worked with you: “What do you come "
                        "to me for?” Their answers are often the truest material for "
                        "your story, and they may surprise you.</p>"
                    ),
                },
            },
            {
                "type": "rich_text",
                "value": (
                    "<h2>Protect your energy</h2>"
                    "<p>A job search is a long race with no visible finish line, and "
                    "rejection drains you faster than you expect. Build in recovery. "
                    "Give yourself a stopping time each day. Keep a “wins” folder of "
                    "thank-you notes, kind feedback and small victories. Spend time "
                    "with people who remind you who you are outside of work.</p>"
                    "<p>And when a rejection stings, let it sting for an evening. Then "
                    "ask one question: what is this telling me? Take the lesson, leave "
                    "the judgment, and get back out there.</p>"
                    "<p>Your next yes is built from everything you learn on the way to "
                    "it.</p>"
                ),
            },
        ],
    },
]

COURSE = {
    "title": "Land a job you love",
    "slug": "land-a-job-you-love",
    "outcome": (
        "By the end you'll know exactly what you're looking for, have a career story "
        "you're proud to tell, a network that is working for you, and a clear plan for "
        "interviews and offers."
    ),
    "audience": (
        "This course is for anyone ready for their next role but tired of applying "
        "into silence: career changers, people returning after a break and "
        "professionals who have outgrown their current job. You don't need a big "
        "network or a perfect CV to start, just a few hours a week and a willingness "
        "to have real conversations."
    ),
    "intro": (
        "<p>Most job searches start in the wrong place: a job board. This course "
        "starts with you. Over eight short lessons we move from getting clear on what "
        "you want, to telling your story with confidence, to building the "
        "relationships that lead to the best opportunities, many of which are never "
        "advertised.</p>"
        "<p>Each lesson takes 10 to 25 minutes and includes a reflection and a "
        "checklist, so you always finish with a concrete next step. Work through them "
        "in order, keep a notebook handy and be patient with yourself. It's the same "
        "process I use with my private clients, and it works.</p>"
    ),
    "lessons": [
        {
            "title": "Know what you want",
            "slug": "know-what-you-want",
            "summary": (
                "Before you touch your CV or send a single message, get clear on your "
                "values, your strengths and the conditions you do your best work in."
            ),
            "duration_minutes": 15,
            "free_preview": True,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>Welcome. I'm so glad you're here. Before we talk about "
                        "CVs, networking or interviews, we need to start with the "
                        "question most job seekers skip: what do you actually want?</p>"
                        "<p>It sounds obvious. But I've met so many talented people "
                        "who spent months applying for roles they didn't truly want, "
                        "simply because those roles looked like the logical next step. "
                        "When you're unclear, it shows in your applications, your "
                        "conversations and your interviews. When you're clear, "
                        "everything else gets easier.</p>"
                        "<h2>Start with your values</h2>"
                        "<p>Values are the things that, when they're missing, make a "
                        "job feel wrong no matter how good it looks on paper: "
                        "autonomy, stability, creativity, helping people, learning, "
                        "recognition, flexibility, a sense of mission. Most of us have "
                        "three to five that really matter.</p>"
                        "<p>A quick way to find yours: think about the best and worst "
                        "stretches of your working life. What was present in the good "
                        "times? What was missing in the hard ones? The patterns "
                        "usually jump out.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "Think of a time at work when you felt energized and "
                            "proud. What were you doing, who were you with, and what "
                            "made it feel so good?"
                        ),
                        "guidance": (
                            "Write for ten minutes without editing, then circle any "
                            "words that point to a value or a strength."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Name your strengths</h2>"
                        "<p>Strengths aren't just what you're good at. They're what "
                        "you're good at <em>and</em> enjoy doing. You might be "
                        "excellent at spreadsheets and find them draining; that's a "
                        "skill, not a strength to build a career around.</p>"
                        "<p>Look for the activities where time disappears, where "
                        "people regularly ask for your help, and where you learn "
                        "quickly. Those are your clues.</p>"
                        "<h2>Define your conditions</h2>"
                        "<p>Now get practical. What salary do you need? How far will "
                        "you commute, or do you need to work remotely? What size of "
                        "organization suits you? Which industries excite you, and "
                        "which would you rather avoid? None of this is trivial. A "
                        "dream role with a two-hour commute can turn into a nightmare "
                        "surprisingly fast.</p>"
                        "<h2>Put it on one page</h2>"
                        "<p>Bring it all together on a single page I call your "
                        "<strong>career compass</strong>: your top values, your top "
                        "strengths, your non-negotiable conditions and two or three "
                        "types of roles that fit. It doesn't have to be perfect. It "
                        "has to be honest. You'll come back to it in every lesson that "
                        "follows.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>If you feel stuck, don't try to pick a job title yet. "
                            "Focus on the ingredients: the problems you like solving, "
                            "the people you want to work with and the environment "
                            "where you thrive. The titles will follow.</p>"
                        ),
                    },
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Build your career compass",
                        "items": [
                            "List five values and circle the three that matter most",
                            "Write down three strengths, each with a real example",
                            "Note your non-negotiables: pay, location, schedule",
                            "Name two or three types of roles that fit your compass",
                            "Show your compass to a friend and ask what's missing",
                        ],
                    },
                },
            ],
        },
        {
            "title": "Tell your career story",
            "slug": "tell-your-career-story",
            "summary": (
                "Turn your experience into a short, confident story that connects "
                "where you've been to where you're going."
            ),
            "duration_minutes": 15,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>“So, tell me about yourself.” It's the question that opens "
                        "most interviews and most networking conversations, and it's "
                        "where many people lose their footing. They either recite "
                        "their CV from the very beginning or apologize for the parts "
                        "that don't fit neatly.</p>"
                        "<p>In this lesson you'll build a story that does neither. A "
                        "good career story is short, true and forward-looking. In "
                        "under a minute it helps the listener understand who you are, "
                        "what you bring and where you're heading.</p>"
                        "<h2>Find your through-line</h2>"
                        "<p>Look back across your roles, including volunteer work and "
                        "side projects. What connects them? Maybe you've always been "
                        "the one who brings order to chaos. Maybe you keep ending up "
                        "as the translator between technical teams and customers. "
                        "Maybe every job you've loved has involved teaching.</p>"
                        "<p>That thread is your through-line. It's what makes a career "
                        "change make sense to someone else, and often to yourself.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "If a former colleague described what you're known for in "
                            "one sentence, what would they say?"
                        ),
                        "guidance": (
                            "If you're not sure, ask two or three people this week and "
                            "write down the exact words they use."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>The three-part structure</h2>"
                        "<p>Build your story in three parts:</p>"
                        "<ol><li><strong>Past:</strong> where you've been, framed "
                        "around your through-line rather than a list of titles.</li>"
                        "<li><strong>Present:</strong> what you're great at right now, "
                        "backed by one concrete result, with a number if you have "
                        "one.</li>"
                        "<li><strong>Future:</strong> what you're looking for next and "
                        "why it's a natural step.</li></ol>"
                        "<p>For example: <em>“I've spent eight years in hospitality, "
                        "most recently running events for up to 500 guests. What I do "
                        "best is keep complicated projects on track when lots of "
                        "people are involved; last year I delivered our biggest "
                        "conference under budget. Now I'm looking to bring that to a "
                        "project coordination role in a growing tech company.”</em></p>"
                        "<h2>Drop the apology</h2>"
                        "<p>Listen for phrases like “I know I don't have...” or “I'm "
                        "just a...” and cut them. You don't need to draw attention to "
                        "gaps. If someone asks about one, answer calmly and briefly, "
                        "then steer back to what you bring.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Record yourself telling your story on your phone and "
                            "listen back once. You'll instantly hear where you ramble, "
                            "where you hedge and where you come alive. Keep the parts "
                            "where you come alive.</p>"
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Make it yours</h2>"
                        "<p>You'll use versions of this story everywhere: at the top "
                        "of your CV, in your LinkedIn summary, in networking chats and "
                        "in interviews. Have a 30-second version and a two-minute "
                        "version ready. Practice until it sounds like you talking, not "
                        "you reciting.</p>"
                    ),
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Shape your story",
                        "items": [
                            "Identify the through-line that connects your past roles",
                            "Write your past, present and future in three sentences",
                            "Add one specific result, with a number if you can",
                            "Remove every apology and hedge word",
                            "Say it out loud five times, then try it on a friend",
                        ],
                    },
                },
            ],
        },
        {
            "title": "Map your network",
            "slug": "map-your-network",
            "summary": (
                "Discover that you already know more people than you think, and decide "
                "who to contact first."
            ),
            "duration_minutes": 20,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>“I don't really have a network.” I hear this in almost "
                        "every first session, and it is almost never true. You do have "
                        "a network. You just haven't mapped it yet.</p>"
                        "<p>In this lesson we'll get everyone out of your head and "
                        "onto paper, so you can see the connections you already have "
                        "and choose where to begin.</p>"
                        "<h2>Everyone counts</h2>"
                        "<p>Your network isn't only people with impressive job titles. "
                        "It's everyone you know, and everyone they know. Start a list "
                        "(a spreadsheet works well) and brainstorm across these "
                        "circles:</p>"
                        "<ul><li>Current and former colleagues, managers and "
                        "clients</li>"
                        "<li>Classmates, teachers and alumni from any school or "
                        "course</li><li>Friends, family and neighbors</li>"
                        "<li>People from clubs, faith communities, sports teams and "
                        "volunteering</li>"
                        "<li>Parents you know through your children's activities</li>"
                        "<li>People you see regularly for services: your accountant, "
                        "your hairdresser, your dentist</li></ul>"
                        "<p>Aim for at least 100 names, and don't filter yet. The "
                        "friend who works in a completely unrelated field might have a "
                        "sister at your dream company.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "Who in your life always seems to know someone for "
                            "everything, and when did you last have a real "
                            "conversation with them?"
                        ),
                        "guidance": (
                            "These connectors are often your most valuable first "
                            "calls, so note two or three names."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Sort into three groups</h2>"
                        "<p>Once you have your list, add a column and mark each "
                        "person:</p>"
                        "<ol><li><strong>Warm and relevant:</strong> people you know "
                        "well who work in or near your target field.</li>"
                        "<li><strong>Warm connectors:</strong> people you know well "
                        "who are generous and well connected, whatever their "
                        "field.</li>"
                        "<li><strong>Cooler contacts:</strong> people you know less "
                        "well or haven't spoken to in years.</li></ol>"
                        "<p>Start with the first two groups. Those conversations will "
                        "be easy and encouraging, and they build momentum. Cooler "
                        "contacts come next, once you've found your rhythm.</p>"
                        "<h2>Reconnecting without the awkwardness</h2>"
                        "<p>Plenty of people freeze at the thought of messaging "
                        "someone they haven't spoken to in five years. Keep it simple "
                        "and honest: <em>“I was thinking about our time at the agency "
                        "and wondered how you've been. I'm exploring my next move and "
                        "would love to catch up if you have a moment.”</em> Most "
                        "people are flattered to be remembered.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Add a “last contact” date and a “next step” column to "
                            "your spreadsheet. A network you track is a network you'll "
                            "actually use, and it stops good conversations from "
                            "slipping through the cracks.</p>"
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Look for the gaps</h2>"
                        "<p>Finally, hold your map up against the career compass from "
                        "lesson one. Which target companies or fields have nobody on "
                        "your list? Those are your gaps. In the next lesson you'll "
                        "learn how to fill them, one conversation at a time.</p>"
                    ),
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Map your network",
                        "items": [
                            "Brainstorm 100 names from every part of your life",
                            "Sort each name: warm and relevant, connector, cooler",
                            "Pick five people to contact this week",
                            "Write a short, friendly reconnection message",
                            "List the target companies where you have no contacts yet",
                        ],
                    },
                },
            ],
        },
        {
            "title": "Conversations that open doors",
            "slug": "conversations-that-open-doors",
            "summary": (
                "Learn how to request, run and follow up on informational interviews "
                "that build real relationships and uncover unadvertised roles."
            ),
            "duration_minutes": 20,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>This is the lesson where your search starts to feel "
                        "different. Informational interviews are short, low-pressure "
                        "conversations with people who do the kind of work you want. "
                        "They give you insider knowledge, fresh language and, most "
                        "importantly, people on the inside who know you.</p>"
                        "<p>Many roles are filled before they're ever advertised, "
                        "because someone knew someone. These conversations are how you "
                        "become that someone.</p>"
                        "<h2>Who to ask</h2>"
                        "<p>Start with people from your network map, then widen the "
                        "circle. Look for people one or two steps ahead of where you "
                        "want to be, rather than the head of the company. They "
                        "remember what it was like to get started and are more likely "
                        "to say yes. Alumni of your school or former employers tend to "
                        "be especially generous.</p>"
                        "<h2>The request</h2>"
                        "<p>Keep it to four or five sentences. Say who you are, how "
                        "you found them, what you'd love to learn and how much time "
                        "you're asking for. Make it clear you're not asking for a job. "
                        "If a mutual contact can introduce you, even better.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "What do you most want to understand about your target "
                            "role that you can't learn from a job posting?"
                        ),
                        "guidance": (
                            "Turn your answer into two or three open questions you can "
                            "ask in your first conversation."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Running the conversation</h2>"
                        "<p>You asked for the meeting, so you lead it. Open with a "
                        "quick thank-you and your 30-second story from lesson two. "
                        "Then ask, and listen far more than you talk. Good questions "
                        "include:</p>"
                        "<ul><li>“How did you get into this work?”</li>"
                        "<li>“What does a typical week look like?”</li>"
                        "<li>“What's changing in your field right now?”</li>"
                        "<li>“What would make someone like me a strong candidate?”</li>"
                        "<li>“Who else would you suggest I speak with?”</li></ul>"
                        "<p>Take notes. Watch the time. When you're close to the end, "
                        "say so, and thank them sincerely.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Never ask for a job in an informational interview. If "
                            "they have an opening and think you'd fit, they'll tell "
                            "you. Asking outright turns a generous conversation into "
                            "an awkward one.</p>"
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>The follow-up is where the magic happens</h2>"
                        "<p>Send a thank-you message within 24 hours that mentions one "
                        "specific thing you learned. If they suggested someone to "
                        "contact, reach out and let them know you did. A month later, "
                        "send a short update on your progress. That's how a single "
                        "conversation becomes an ongoing relationship, and "
                        "relationships are where opportunities come from.</p>"
                        "<h2>Set a rhythm</h2>"
                        "<p>Aim for two or three conversations a week. It feels like a "
                        "lot at first. By the third week it will feel natural, and "
                        "you'll notice something: people start mentioning roles, "
                        "projects and contacts you would never have found on your "
                        "own.</p>"
                    ),
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Your first informational interviews",
                        "items": [
                            "Choose five people who are one or two steps ahead of you",
                            "Draft a request of no more than five sentences",
                            "Prepare five questions, ending with “Who else?”",
                            "Send a specific thank-you note within 24 hours",
                            "Log each conversation and its follow-up date",
                        ],
                    },
                },
            ],
        },
        {
            "title": "A CV and LinkedIn profile for the job you want",
            "slug": "cv-and-linkedin-for-the-job-you-want",
            "summary": (
                "Reshape your CV and LinkedIn profile around the role you're "
                "targeting, so the right people see at a glance why you fit."
            ),
            "duration_minutes": 25,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>Your CV isn't a history of everything you've ever done. "
                        "It's a marketing document for the job you want next. That one "
                        "shift in thinking changes what you include, what you leave "
                        "out and how you describe it.</p>"
                        "<h2>Start at the top</h2>"
                        "<p>Recruiters often skim a CV in well under a minute, so the "
                        "top third matters most. Open with a short profile of three or "
                        "four lines, built from your career story in lesson two. Name "
                        "the role you're targeting, your strongest relevant skills and "
                        "one result that proves them.</p>"
                        "<h2>Write achievements, not duties</h2>"
                        "<p>“Responsible for managing the team calendar” tells a "
                        "reader nothing. “Redesigned the team's scheduling process, "
                        "cutting missed deadlines by 30 percent” tells them a lot. For "
                        "each role, choose three to five achievements and write them "
                        "with a simple pattern:</p>"
                        "<ul><li><strong>What you did</strong>, starting with a strong "
                        "verb</li>"
                        "<li><strong>How you did it</strong>, in a few words</li>"
                        "<li><strong>What changed as a result</strong>, with a number "
                        "if possible</li></ul>"
                        "<p>If you're changing careers, lead with the achievements "
                        "that matter most in your new field, even if they weren't the "
                        "main part of your old job.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "What are the three accomplishments you're proudest of, "
                            "and what changed because of them?"
                        ),
                        "guidance": (
                            "Don't worry about wording yet; just capture the facts, "
                            "the numbers and who benefited."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Use their language</h2>"
                        "<p>Collect five or six postings for your target role and "
                        "highlight the words that appear again and again. Those are "
                        "the skills and terms employers are looking for, and often "
                        "what applicant tracking software scans for. Weave them "
                        "honestly into your profile and achievements. The vocabulary "
                        "you picked up in your informational interviews belongs here "
                        "too.</p>"
                        "<h2>Make LinkedIn work for you</h2>"
                        "<p>Your LinkedIn profile should tell the same story in a "
                        "warmer voice. A few priorities:</p>"
                        "<ul><li><strong>Headline:</strong> describe where you're "
                        "heading, not just your current title. “Operations planner who "
                        "makes complex schedules run smoothly” says far more than "
                        "“Planner at Company X”.</li>"
                        "<li><strong>About section:</strong> write it in the first "
                        "person, the way you'd talk over coffee.</li>"
                        "<li><strong>Photo:</strong> recent and friendly, with your "
                        "face clearly visible.</li>"
                        "<li><strong>Activity:</strong> share or comment thoughtfully "
                        "about once a week, so people see you engaged with your "
                        "field.</li></ul>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Keep one master CV with everything in it, then make a "
                            "tailored copy for each application. Tailoring takes about "
                            "twenty minutes and can be the difference between silence "
                            "and an interview.</p>"
                        ),
                    },
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Refresh your CV and profile",
                        "items": [
                            "Write a short profile based on your career story",
                            "Rewrite each bullet as an achievement with a result",
                            "Add key terms from five postings for your target role",
                            "Rewrite your LinkedIn headline around your next role",
                            "Ask one person in your target field to review your CV",
                        ],
                    },
                },
            ],
        },
        {
            "title": "Apply with intent",
            "slug": "apply-with-intent",
            "summary": (
                "Swap mass applications for a focused target list, warm introductions "
                "and follow-up that gets you noticed."
            ),
            "duration_minutes": 20,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>There's a comforting illusion in sending out dozens of "
                        "applications: it feels productive. But a high volume of "
                        "generic applications usually brings a high volume of silence. "
                        "In this lesson we trade quantity for focus.</p>"
                        "<h2>Build a target list</h2>"
                        "<p>Using your career compass, list 15 to 25 organizations "
                        "you'd genuinely love to work for. Include a mix of well-known "
                        "names and smaller, less obvious ones; smaller companies often "
                        "have less competition and move faster. For each, note who you "
                        "know there, or who might introduce you.</p>"
                        "<p>This list becomes the center of your search. You'll watch "
                        "their careers pages, follow them on LinkedIn and use your "
                        "network to reach people inside.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "Which three organizations on your list excite you most, "
                            "and what specifically draws you to each one?"
                        ),
                        "guidance": (
                            "Be concrete, because these reasons will become the heart "
                            "of your cover letters and interview answers."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Go in through the side door</h2>"
                        "<p>When a role opens at a target company, don't just click "
                        "“apply”. Look for a connection first: someone you've already "
                        "spoken to, a friend of a friend or a fellow alum. A short "
                        "message asking whether they'd share your CV with the hiring "
                        "manager, or tell you more about the team, can lift your "
                        "application from the bottom of a pile to the top of someone's "
                        "inbox.</p>"
                        "<p>Then apply through the official channel as well. The "
                        "personal connection and the formal process work best "
                        "together.</p>"
                        "<h2>Tailor every application</h2>"
                        "<p>For each role, adjust your CV profile and top achievements "
                        "to match the posting. Write a brief cover letter that answers "
                        "three questions: why this role, why this organization and why "
                        "you. Mention anyone you've spoken to at the company. Three "
                        "focused paragraphs beat a page of generalities.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Five well-researched, well-connected applications a "
                            "week will almost always outperform fifty generic ones. "
                            "Track every application so you know exactly when to "
                            "follow up.</p>"
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Follow up with grace</h2>"
                        "<p>If you haven't heard anything after a week to ten days, "
                        "send a short, friendly note to the recruiter or hiring "
                        "manager restating your interest and one reason you're a "
                        "strong fit. One follow-up is professional; three in a week is "
                        "not. If the answer is no, thank them and ask to be considered "
                        "for future roles. People remember graciousness.</p>"
                        "<h2>Track and adjust</h2>"
                        "<p>Keep a simple tracker: company, role, date applied, "
                        "contact, status and next step. Every two weeks, look at the "
                        "numbers. If you're not getting responses, revisit your "
                        "targeting and your CV. If you're getting interviews but no "
                        "offers, the next lesson is for you.</p>"
                    ),
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Apply with intent",
                        "items": [
                            "Create a target list of 15 to 25 organizations",
                            "Note a contact or possible introduction for each one",
                            "Tailor your CV and cover letter for every role",
                            "Follow up once, seven to ten days after applying",
                            "Review your tracker every two weeks and adjust",
                        ],
                    },
                },
            ],
        },
        {
            "title": "Interviews as conversations",
            "slug": "interviews-as-conversations",
            "summary": (
                "Prepare stories instead of scripts, ask questions that matter and "
                "walk into every interview as a curious equal."
            ),
            "duration_minutes": 25,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>An interview isn't an exam. It's a conversation between "
                        "two parties trying to find out whether they're a good fit, "
                        "and you're assessing them as much as they're assessing you. "
                        "Holding on to that idea changes how you prepare, how you feel "
                        "and how you come across.</p>"
                        "<h2>Research with purpose</h2>"
                        "<p>Go beyond the company website. Read recent news, look at "
                        "your interviewers' LinkedIn profiles and, if you can, talk to "
                        "someone who works there. Try to understand the problem this "
                        "role exists to solve. When you know what keeps the hiring "
                        "manager up at night, you can show how you'll help.</p>"
                        "<h2>Prepare stories, not scripts</h2>"
                        "<p>Most interview questions are variations on a handful of "
                        "themes: solving problems, working with others, handling "
                        "pressure, leading and learning from mistakes. Prepare six to "
                        "eight stories from your experience that cover them, each with "
                        "a simple shape:</p>"
                        "<ol><li><strong>Situation:</strong> the context, in a "
                        "sentence or two.</li>"
                        "<li><strong>Action:</strong> what <em>you</em> did, "
                        "specifically.</li>"
                        "<li><strong>Result:</strong> what changed, and what you "
                        "learned.</li></ol>"
                        "<p>Keep each story to about two minutes. One good story can "
                        "answer several different questions, so you don't need a "
                        "script for every possibility.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "What is one challenge you handled at work that you're "
                            "genuinely proud of, and what did it teach you?"
                        ),
                        "guidance": (
                            "Write it out as situation, action and result, then read "
                            "it aloud and trim anything that isn't essential."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Handle the tricky questions</h2>"
                        "<p>Prepare calm, honest answers for the questions you dread, "
                        "whether that's a gap in your CV, a career change or why you "
                        "left your last job. Keep each answer brief, don't criticize "
                        "anyone, and finish by pointing forward to what excites you "
                        "now.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Nerves are just energy. Before an interview, take a "
                            "short walk, breathe slowly and remind yourself you're "
                            "there to have a conversation. Think of each interviewer "
                            "as someone you're getting to know, not someone sitting in "
                            "judgment.</p>"
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Ask questions that show you're serious</h2>"
                        "<p>Always have three or four questions ready. The best ones "
                        "show you've been thinking about the work itself:</p>"
                        "<ul><li>“What would success look like in this role after six "
                        "months?”</li>"
                        "<li>“What's the biggest challenge the team is facing right "
                        "now?”</li>"
                        "<li>“How does this role work with other teams day to "
                        "day?”</li>"
                        "<li>“Is there anything in my background you'd like me to "
                        "clarify?”</li></ul>"
                        "<p>That last question gives you a chance to address any "
                        "doubts before you leave the room.</p>"
                        "<h2>After the interview</h2>"
                        "<p>Send a thank-you note the same day, mentioning something "
                        "specific you discussed. Then jot down what went well and what "
                        "you'd change. Every interview, even one that doesn't lead to "
                        "an offer, makes you better at the next.</p>"
                    ),
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Interview preparation",
                        "items": [
                            "Research the company, the role and your interviewers",
                            "Prepare six to eight situation-action-result stories",
                            "Practice answers to the two questions you dread most",
                            "Write down three or four thoughtful questions to ask",
                            "Send a specific thank-you note within 24 hours",
                        ],
                    },
                },
            ],
        },
        {
            "title": "Weigh offers and negotiate",
            "slug": "weigh-offers-and-negotiate",
            "summary": (
                "Judge an offer against your career compass and negotiate with warmth "
                "for pay and terms that reflect your value."
            ),
            "duration_minutes": 20,
            "free_preview": False,
            "body": [
                {
                    "type": "rich_text",
                    "value": (
                        "<p>You did it. An offer is on the table, and after everything "
                        "you've put into your search, it's tempting to say yes on the "
                        "spot. Please don't, not just yet. This is one of the few "
                        "moments when you have real leverage, and how you handle the "
                        "next few days can shape your pay and your happiness for "
                        "years.</p>"
                        "<h2>Say thank you, then ask for time</h2>"
                        "<p>Respond warmly and ask for the offer in writing if you "
                        "don't have it yet. Then ask when they need your decision. A "
                        "few working days is a normal, reasonable request: <em>“I'm "
                        "really excited about this. I'd like a couple of days to "
                        "review the full details. Could I come back to you by "
                        "Thursday?”</em></p>"
                        "<h2>Weigh it against your compass</h2>"
                        "<p>Pull out the career compass you made in lesson one. Does "
                        "this role honor your top values? Will it use your strengths? "
                        "Does it meet your non-negotiables? Look at the whole package, "
                        "not just salary: bonus, retirement contributions, health "
                        "benefits, time off, flexibility, a learning budget and the "
                        "path to grow.</p>"
                    ),
                },
                {
                    "type": "reflection",
                    "value": {
                        "prompt": (
                            "Imagine it's a year from now and you took this job. What "
                            "does a good day look like, and what might be frustrating "
                            "you?"
                        ),
                        "guidance": (
                            "Notice both the excitement and any unease, because both "
                            "are useful information for your decision and your "
                            "negotiation."
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Know your numbers</h2>"
                        "<p>Research the market rate for the role using salary "
                        "surveys, conversations with recruiters and the people you met "
                        "through informational interviews. Before you talk, decide on "
                        "three figures: your ideal number, a realistic target and the "
                        "walk-away point below which you'll decline.</p>"
                        "<h2>Negotiate with warmth</h2>"
                        "<p>Negotiation isn't a fight. It's a collaborative "
                        "conversation about making this work for both sides. Start by "
                        "restating your enthusiasm, then make one clear, specific "
                        "request backed by your research and the value you'll bring: "
                        "<em>“Based on my research and the results I delivered in my "
                        "last role, I was hoping for a base salary closer to this "
                        "figure. Is there flexibility there?”</em></p>"
                        "<p>Then stop talking and let them respond. If the salary is "
                        "fixed, ask about other levers: a signing bonus, an earlier "
                        "pay review, extra leave, remote days or a training budget.</p>"
                    ),
                },
                {
                    "type": "tip",
                    "value": {
                        "title": "Coach's tip",
                        "text": (
                            "<p>Most employers expect a thoughtful counteroffer, and a "
                            "respectful request very rarely costs anyone an offer. The "
                            "most likely downside is a polite no, with the original "
                            "offer still on the table.</p>"
                        ),
                    },
                },
                {
                    "type": "rich_text",
                    "value": (
                        "<h2>Decide, and close the loop</h2>"
                        "<p>Once you accept, get the final terms in writing. Then go "
                        "back to everyone who helped you along the way: the people who "
                        "met you for coffee, passed on your CV or gave you advice. "
                        "Tell them where you landed and thank them. Your networking "
                        "doesn't end here. It's the foundation of everything that "
                        "comes next.</p>"
                    ),
                },
                {
                    "type": "checklist",
                    "value": {
                        "title": "Before you say yes",
                        "items": [
                            "Get the offer in writing and agree a decision date",
                            "Compare the offer against your career compass",
                            "Set ideal, target and walk-away numbers from research",
                            "Make one clear, warm counteroffer",
                            "Thank everyone who helped, and tell them where you landed",
                        ],
                    },
                },
            ],
        },
    ],
}

# (name, sessions, price in pence, description)
PACKAGES = [
    (
        "Clarity session",
        1,
        15000,
        "One 75-minute session to untangle what you want next, with a written summary and "
        "three concrete next steps afterwards.",
    ),
    (
        "Job search sprint",
        4,
        52000,
        "Four weekly sessions to sharpen your story, build your target list and rehearse the "
        "conversations that open doors. Email support between sessions.",
    ),
    (
        "Career change programme",
        8,
        98000,
        "Eight sessions over three months for a full change of direction: from values and "
        "strengths to offers and negotiation, at your pace.",
    ),
]
