META
key;value
description;Tiny handmade test election
country;Poland
unit;Testville
instance;2024
num_projects;4
num_votes;10
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name;category;selected
p1;70;6;Park;urban greenery;1
p2;50;5;Library;culture;0
p3;40;4;Bike lane;public transit and roads;0
p4;30;1;Bench;public space;1
VOTES
voter_id;age;sex;vote;neighborhood
1;25;F;p1,p2;North
2;34;K;p1,p3;North
3;70;M;p1;South
4;0;M;p2,p3;None
5;130;F;p1,p2;South
6;45;K;p2,p4;North
7;19;M;p1,p3;South
8;None;F;p1;None
9;52;M;p2;North
10;15;F;p3;South
