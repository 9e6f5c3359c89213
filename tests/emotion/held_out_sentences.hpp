// A second labelled set (90 messages, 10 per class), written after the lexicon's first version
// and never used to tune it: its accuracy estimates how the classifier does on text it was not
// fitted to. See docs/emotion.md for both figures.
#pragma once

#include <array>

#include "labelled_sentences.hpp"

namespace companion::emotion::testing {

inline constexpr std::array<LabelledSentence, 90> kHeldOutSentences{{
    {"My daughter took her first steps today, I'm beaming", "joy"},
    {"Best pizza I've had in years, so satisfying", "joy"},
    {"I finally finished my thesis and I feel on top of the world", "joy"},
    {"We adopted a puppy and the whole house is full of laughter", "joy"},
    {"The sunset tonight was breathtaking 😍", "joy"},
    {"I can't stop grinning, she said I did a great job", "joy"},
    {"Honestly this has been a really nice week", "joy"},
    {"I'm thrilled with my exam results!", "joy"},
    {"Got a raise today, life is sweet", "joy"},
    {"Dancing in the kitchen because I'm just in a great mood", "joy"},

    {"I've been crying all morning", "sadness"},
    {"I feel like nobody understands me", "sadness"},
    {"It hurts that my friends forgot about me", "sadness"},
    {"My cat is sick and I feel so powerless", "sadness"},
    {"Another rejection letter today. I'm so discouraged", "sadness"},
    {"Everything reminds me of her and I just feel empty", "sadness"},
    {"I'm so tired of feeling this way 😞", "sadness"},
    {"The house feels so quiet since the kids moved out, I miss them", "sadness"},
    {"I don't feel happy anymore", "sadness"},
    {"I've been lonely since I moved to this city", "sadness"},

    {"I'm so pissed off at my landlord", "anger"},
    {"My coworker took credit for my work and I'm seething", "anger"},
    {"Don't tell me to calm down!!", "anger"},
    {"I'm absolutely furious with the airline, they lost my bags", "anger"},
    {"This is so unfair, I did everything right", "anger"},
    {"It really annoys me when people chew loudly", "anger"},
    {"I've had it with his excuses", "anger"},
    {"They keep raising the rent, it makes my blood boil", "anger"},
    {"Stop lying to me!", "anger"},
    {"I'm angry at myself for falling for it again", "anger"},

    {"I'm terrified I'll mess up the presentation", "fear"},
    {"I keep having nightmares about the accident", "fear"},
    {"My hands are shaking, I'm so nervous", "fear"},
    {"I'm worried the tumor might be back", "fear"},
    {"Walking alone in that park at night scares me", "fear"},
    {"I'm anxious all the time lately", "fear"},
    {"What if they find out I lied?", "fear"},
    {"I'm afraid to open the letter from the bank", "fear"},
    {"The turbulence was horrifying, I thought we'd crash", "fear"},
    {"I get panicky in crowded places", "fear"},

    {"Whoa, I didn't know you could sing!", "surprise"},
    {"I can't believe it's already December", "surprise"},
    {"Wow, the test results came back completely different", "surprise"},
    {"I was blown away when they announced my name", "surprise"},
    {"She showed up at my door unannounced, I was so surprised", "surprise"},
    {"Wait, what? The store closed for good?", "surprise"},
    {"I'm speechless, I never thought he'd apologise", "surprise"},
    {"That twist at the end of the movie shocked me", "surprise"},
    {"OMG you're here?!", "surprise"},
    {"Huh, I didn't expect the new job to be this easy", "surprise"},

    {"That guy spat on the sidewalk, so gross", "disgust"},
    {"The milk went sour and the smell is revolting", "disgust"},
    {"People who abuse animals disgust me", "disgust"},
    {"Ugh, somebody left chewed gum under the table", "disgust"},
    {"The fridge at work is a biohazard, moldy containers everywhere", "disgust"},
    {"His racist jokes are repugnant", "disgust"},
    {"I gagged when I saw the maggots in the bin", "disgust"},
    {"That restaurant was filthy, I'm never going back", "disgust"},
    {"Yuck, this coffee tastes like dirt", "disgust"},
    {"Politicians taking bribes makes me sick to my stomach", "disgust"},

    {"I know you'll always be honest with me", "trust"},
    {"My therapist makes me feel safe", "trust"},
    {"I can tell my brother anything", "trust"},
    {"My team has never let me down", "trust"},
    {"I'm certain my wife will support whatever I decide", "trust"},
    {"I trust my instincts on this one", "trust"},
    {"She's been a reliable friend for twenty years", "trust"},
    {"I feel protected when my dad is around", "trust"},
    {"I believe in our team", "trust"},
    {"I have complete faith in the doctors", "trust"},

    {"Two more sleeps until Christmas!", "anticipation"},
    {"I'm excited to see what the new year brings", "anticipation"},
    {"Looking forward to our trip next weekend", "anticipation"},
    {"I can hardly wait for the results", "anticipation"},
    {"The new season comes out Friday and I'm so ready", "anticipation"},
    {"I'm hoping she calls me back tonight", "anticipation"},
    {"Just booked tickets for the concert in June, can't wait!", "anticipation"},
    {"I'm eager to meet my new colleagues", "anticipation"},
    {"Tomorrow I start my new job", "anticipation"},
    {"I'm curious what the doctor will recommend", "anticipation"},

    {"The bus comes every twenty minutes.", "neutral"},
    {"I moved the couch to the other wall.", "neutral"},
    {"My appointment got moved to Thursday.", "neutral"},
    {"What time does the pharmacy open?", "neutral"},
    {"I'm drinking tea.", "neutral"},
    {"The cat is sleeping on the sofa.", "neutral"},
    {"Can you explain how compound interest works?", "neutral"},
    {"We're out of coffee filters.", "neutral"},
    {"I'm learning Spanish on weekdays.", "neutral"},
    {"The parcel should arrive on Monday.", "neutral"},
}};

}  // namespace companion::emotion::testing
